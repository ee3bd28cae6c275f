//! Detection pages: one per rule (what it detects and why, the Sigma
//! rule, a tab per SIEM target, false positives and tuning, the
//! scenarios that prove it, investigation and response) and an index
//! (the coverage matrix, search, the comparison with the seed page).
//!
//! Without JavaScript every tab's query is shown one after another and
//! the index lists every rule; the script only turns the queries into
//! tabs and filters the index as one types.

use maud::{Markup, html};

use crate::markdown;
use crate::page::{Expectation, IndexPage, Logic, QueryOutcome, RulePage};
use crate::shell::Shell;
use crate::text::{level_class, prose, visible};

/// The script of the detection pages (tabs, index search).
pub const PAGES_SCRIPT: &str = include_str!("../assets/pages.js");

/// The file name of a rule's page in the pages folder.
pub fn page_file(slug: &str) -> String {
    format!("{slug}.html")
}

/// The name of the coverage comparison's page.
pub const COVERAGE_FILE: &str = "coverage.html";

/// A rule's page, standalone.
pub fn rule_document(page: &RulePage) -> String {
    let body = html! {
        header.top {
            h1 { (visible(&page.title)) }
            p { "Detection page · tunnelhunt" }
        }
        nav.sections aria-label="Pages" {
            a href="index.html" { "All rules" }
            a href=(COVERAGE_FILE) { "Coverage" }
        }
        main { (rule_article(page, 2)) }
    };
    Shell {
        title: &format!("{} — detection page", page.title),
        body,
        data: None,
        script: PAGES_SCRIPT,
    }
    .render()
}

/// The content of a rule's page; `depth` is the level of its heading
/// (2 standalone, 3 inside the hunt report).
pub fn rule_article(page: &RulePage, depth: u8) -> Markup {
    let heading = html! { (visible(&page.title)) };
    html! {
        article.rule id=(format!("rule-{}", page.slug)) {
            @if depth == 2 { h2 { (heading) } } @else { h3 { (heading) } }
            dl.card {
                dt { "Level" }
                dd { @if let Some(level) = page.level { span class=(level_class(level)) { (level.as_str()) } } @else { "—" } }
                dt { "Confidence" } dd { (page.confidence.as_deref().unwrap_or("—")) }
                dt { "Branch" } dd { (page.branch.as_deref().unwrap_or("—")) }
                dt { "ATT&CK" } dd { @for t in &page.attack { span.pill { (t) } } }
                dt { "Data source" } dd { (page.logsource) }
                @if let Some(id) = &page.id { dt { "Id" } dd.mono { (id) } }
                @if let Some(status) = &page.status { dt { "Status" } dd { (status) } }
            }
            @if let Some(description) = &page.description {
                (sub_heading(depth, "What it detects"))
                p { (prose(description)) }
            }
            (sub_heading(depth, "Its logic, in words"))
            (logic(&page.logic))
            @if !page.falsepositives.is_empty() {
                (sub_heading(depth, "False positives"))
                ul { @for fp in &page.falsepositives { li { (prose(fp)) } } }
            }
            @if !page.queries.is_empty() {
                (sub_heading(depth, "Queries per SIEM"))
                div.queries {
                    @for (i, q) in page.queries.iter().enumerate() {
                        section.tab-panel data-tab=(format!("{} · {}", q.target, q.flavor)) id=(format!("q-{}-{i}", page.slug)) {
                            p { strong { (q.label) " — " (q.flavor) } }
                            @match &q.outcome {
                                QueryOutcome::Query(text) => pre { code { (text) } },
                                QueryOutcome::Refused(reason) => p.refused { "Refused: " (reason) },
                            }
                        }
                    }
                }
            }
            @if !page.scenarios.is_empty() {
                (sub_heading(depth, "Scenarios that prove it"))
                (scenarios(page))
            }
            @if let Some(guide) = &page.guide {
                details.guide open[depth == 2] {
                    summary { "Investigation, response and tuning (the rule's guide)" }
                    (markdown::to_html(guide))
                }
            }
            details {
                summary { "The Sigma rule" }
                pre { code { (page.sigma) } }
            }
            @if !page.references.is_empty() {
                (sub_heading(depth, "References"))
                ul { @for r in &page.references { li { (link_or_text(r)) } } }
            }
        }
    }
}

/// A section heading one level under the article's.
fn sub_heading(depth: u8, text: &str) -> Markup {
    if depth == 2 {
        html! { h3 { (text) } }
    } else {
        html! { h4 { (text) } }
    }
}

fn scenarios(page: &RulePage) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "Scenario" } th scope="col" { "Record" } th scope="col" { "Expected" } th scope="col" { "Branch fired" } th scope="col" { "Result" } } }
            tbody {
                @for s in &page.scenarios {
                    @if let Some(why) = &s.skipped {
                        tr { td { (s.name) } td colspan="4" .muted { "not run: " (why) } }
                    }
                    @for c in &s.cases {
                        tr {
                            td title=(s.description) { (s.name) }
                            td { span.mono { (visible(&c.location)) } br; span.muted { (visible(&c.summary)) } }
                            td { (c.expectation.label()) }
                            td { @if c.fired { "yes" } @else { "no" } }
                            td { @if c.passed { span.pass { "pass" } } @else { span.fail { "FAIL" } } }
                        }
                    }
                }
            }
        }
        p.muted { "The records of the scenarios about this rule's branch, replayed when this page was generated (the same run as "
            code { "tunnelhunt test" } "); \"branch fired\" means a rule of the branch fired on the record. "
            (page.scenarios.iter().flat_map(|s| &s.cases).filter(|c| c.expectation == Expectation::MustAlert).count())
            " records must alert, "
            (page.scenarios.iter().flat_map(|s| &s.cases).filter(|c| c.expectation == Expectation::MustNotAlert).count())
            " must stay quiet." }
    }
}

/// The condition as nested lists.
pub fn logic(logic: &Logic) -> Markup {
    html! {
        ul.logic { li { (logic_item(logic)) } }
    }
}

fn logic_item(logic: &Logic) -> Markup {
    match logic {
        Logic::All(parts) => html! {
            "all of:"
            ul.logic { @for p in parts { li { (logic_item(p)) } } }
        },
        Logic::Any(parts) => html! {
            "any of:"
            ul.logic { @for p in parts { li { (logic_item(p)) } } }
        },
        Logic::Not(inner) => match inner.as_ref() {
            Logic::Check(text) => html! { "not: " (visible(text)) },
            other => html! { "none of this:" ul.logic { li { (logic_item(other)) } } },
        },
        Logic::Check(text) => html! { (visible(text)) },
        Logic::Unknown => html! { span.muted { "(the condition could not be described)" } },
    }
}

/// A reference is a link only when it is a web address.
fn link_or_text(reference: &str) -> Markup {
    let lower = reference.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        html! { a href=(reference) rel="noreferrer noopener" { (visible(reference)) } }
    } else {
        html! { (visible(reference)) }
    }
}

/// The index page: search, the matrix of branches × data sources, the
/// matrix of rules × SIEM targets.
pub fn index_document(index: &IndexPage) -> String {
    let body = html! {
        header.top {
            h1 { (index.title) }
            p { (index.rows.len()) " detection pages · tunnelhunt" }
        }
        nav.sections aria-label="Pages" {
            a href="#rules" { "Rules" }
            a href="#sources" { "Branches × data sources" }
            a href="#targets" { "Rules × SIEM targets" }
            @if index.coverage_markdown.is_some() { a href=(COVERAGE_FILE) { "Coverage vs the seed page" } }
        }
        main {
            section #rules {
                h2 { "Rules" }
                label for="search" { "Search rules " }
                input #search type="search" placeholder="title, branch, source, level";
                table #rule-index {
                    thead { tr { th scope="col" { "Rule" } th scope="col" { "Branch" } th scope="col" { "Level" } th scope="col" { "Data source" } } }
                    tbody {
                        @for row in &index.rows {
                            tr data-search=(format!("{} {} {} {}", row.title, row.branch, row.source, row.level.map_or("", |l| l.as_str())).to_lowercase()) {
                                td { a href=(page_file(&row.slug)) { (visible(&row.title)) } }
                                td { (row.branch) }
                                td { @if let Some(l) = row.level { span class=(level_class(l)) { (l.as_str()) } } }
                                td { (row.source) }
                            }
                        }
                    }
                }
            }
            section #sources {
                h2 { "Branches × data sources" }
                (branch_matrix(index))
            }
            section #targets {
                h2 { "Rules × SIEM targets" }
                p.muted { "✓: the target renders the rule exactly; –: the target refuses it (the rule's page names why)." }
                table.matrix {
                    thead { tr { th scope="col" { "Rule" } @for t in &index.targets { th scope="col" { (t) } } } }
                    tbody {
                        @for row in &index.rows {
                            tr {
                                th scope="row" { a href=(page_file(&row.slug)) { (visible(&row.title)) } }
                                @for done in &row.exported {
                                    @if *done { td.yes { "✓" } } @else { td.no { "–" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Shell {
        title: &index.title,
        body,
        data: None,
        script: PAGES_SCRIPT,
    }
    .render()
}

fn branch_matrix(index: &IndexPage) -> Markup {
    let mut branches: Vec<&str> = index.rows.iter().map(|r| r.branch.as_str()).collect();
    branches.sort_unstable();
    branches.dedup();
    html! {
        table.matrix {
            thead { tr { th scope="col" { "Branch" } @for s in &index.sources { th scope="col" { (s) } } } }
            tbody {
                @for b in &branches {
                    tr {
                        th scope="row" { (b) }
                        @for s in &index.sources {
                            @let n = index.rows.iter().filter(|r| r.branch == *b && &r.source == s).count();
                            @if n > 0 { td.yes { (n) } } @else { td.no { "–" } }
                        }
                    }
                }
            }
        }
    }
}

/// `docs/coverage.md` as a page.
pub fn coverage_document(markdown_text: &str) -> String {
    let body = html! {
        header.top { h1 { "Coverage compared with the seed page" } p { "docs/coverage.md · tunnelhunt" } }
        nav.sections aria-label="Pages" { a href="index.html" { "All rules" } }
        main { (markdown::to_html(markdown_text)) }
    };
    Shell {
        title: "Coverage compared with the seed page",
        body,
        data: None,
        script: PAGES_SCRIPT,
    }
    .render()
}
