//! One rule as a Splunk ES detection: every value the correlation search
//! stanza and the security_content YAML share, decided once so the two
//! forms cannot disagree.
//!
//! Names follow `contentctl`, which the repo form is built with: the
//! detection's name is the rule's title (characters other than letters,
//! digits, spaces, `-`, `_` and `.` become spaces), at most 67 characters
//! (ES renames a correlation search to `<domain> - <app> - <name> - Rule`
//! when it is edited, and a stanza name longer than 99 characters can no
//! longer be updated in ES), and the file, the stanza and the filter macro
//! are derived from it as `contentctl` derives them.

use crate::DeployError;
use crate::attack::Technique;
use crate::meta::{RuleMeta, Severity};
use crate::objects::{Entry, Platform};
use crate::schedule::{Schedule, format_duration};

use super::data_source::{self, DataSource};

/// The app's id and folder name.
pub const APP_ID: &str = "TunnelHunt";

/// The app label stanzas start with (`TH - <name> - Rule`): short like
/// ESCU's, because contentctl limits the stanza to 81 characters and the
/// label's length is taken from the name's.
pub const APP_LABEL: &str = "TH";

/// The longest detection name `contentctl` accepts (its own limit, which
/// the stanza limit leaves room for with a label of up to 4 characters).
pub const MAX_NAME_LEN: usize = 67;

/// contentctl's limit on `<label> - <name> - Rule`.
pub const MAX_STANZA_LEN: usize = 81;

/// The field every result carries for risk, notable and suppression.
pub const RISK_FIELD: &str = "dest";

/// ESCU's detection types. Our level decides: critical and high raise a
/// notable and risk (TTP), medium risk only (Anomaly), low and
/// informational neither (Hunting, run by analysts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyticType {
    Ttp,
    Anomaly,
    Hunting,
}

impl AnalyticType {
    pub fn from_severity(severity: Severity) -> AnalyticType {
        match severity {
            Severity::Critical | Severity::High => AnalyticType::Ttp,
            Severity::Medium => AnalyticType::Anomaly,
            Severity::Low => AnalyticType::Hunting,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AnalyticType::Ttp => "TTP",
            AnalyticType::Anomaly => "Anomaly",
            AnalyticType::Hunting => "Hunting",
        }
    }

    pub fn notable(self) -> bool {
        self == AnalyticType::Ttp
    }

    pub fn risk(self) -> bool {
        self != AnalyticType::Hunting
    }

    /// NIST CSF category `contentctl` files each type under.
    pub fn nist(self) -> &'static str {
        match self {
            AnalyticType::Ttp => "DE.CM",
            AnalyticType::Anomaly | AnalyticType::Hunting => "DE.AE",
        }
    }
}

/// ES security domains the objects use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityDomain {
    Endpoint,
    Network,
}

impl SecurityDomain {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityDomain::Endpoint => "endpoint",
            SecurityDomain::Network => "network",
        }
    }

    /// security_content's `asset_type`.
    pub fn asset_type(self) -> &'static str {
        match self {
            SecurityDomain::Endpoint => "Endpoint",
            SecurityDomain::Network => "Network",
        }
    }

    /// The CIS control `contentctl` maps each domain to.
    pub fn cis20(self) -> &'static str {
        match self {
            SecurityDomain::Endpoint => "CIS 10",
            SecurityDomain::Network => "CIS 13",
        }
    }
}

/// Everything both forms say about one rule.
#[derive(Debug, Clone)]
pub struct Detection {
    pub name: String,
    pub id: String,
    pub analytic: AnalyticType,
    /// The query, its comment header removed, `dest` guaranteed, the
    /// filter macro last.
    pub search: String,
    pub filter_macro: String,
    /// The rule's description on one line.
    pub description: String,
    /// The guide's sections as Markdown, if the rule has a guide.
    pub guide: Option<String>,
    /// What ES shows as next steps: the guide's investigation and response.
    pub next_steps: Option<String>,
    pub how_to_implement: String,
    pub known_false_positives: String,
    pub references: Vec<String>,
    pub author: String,
    /// `YYYY-MM-DD`: the rule's `modified`, else its `date`.
    pub date: String,
    pub domain: SecurityDomain,
    pub data_source: Option<&'static DataSource>,
    pub mitre_attack: Vec<String>,
    pub severity: Severity,
    pub risk_score: u8,
    pub cron: String,
    pub earliest: String,
    pub latest: &'static str,
    pub suppress_period: String,
}

impl Detection {
    pub fn new(entry: &Entry<'_>) -> Result<Detection, DeployError> {
        let meta = entry.meta;
        let refuse = |why: String| DeployError::Serialize {
            what: "a Splunk ES detection",
            reason: format!("{}: {why}", meta.label()),
        };
        let id = meta.id.clone().ok_or_else(|| DeployError::NoId {
            rule: meta.label(),
            target: "Splunk ES (detection id)",
        })?;
        if let Some(analytic) = &meta.behaviour {
            // Every DNS query or connection is its input: as a correlation
            // search it would raise one alert per event, and ES has no
            // analytic that scores them.
            return Err(refuse(format!(
                "it is the input of the behaviour analytic '{analytic}', which tunnelhunt scan                  scores; its matches are not alerts"
            )));
        }
        let name = detection_name(&meta.title);
        if name.is_empty() {
            return Err(refuse(
                "the title has no letter or digit to name it by".into(),
            ));
        }
        if name.chars().count() > MAX_NAME_LEN {
            return Err(refuse(format!(
                "the title is {} characters and ES correlation search names hold {MAX_NAME_LEN}",
                name.chars().count()
            )));
        }
        let filter_macro = format!("{}_filter", file_stem(&name));
        let body = strip_comment_header(entry.query);
        // Risk, notable fields and suppression all key on `dest`, which the
        // Windows and Sysmon add-ons extract from the event's computer;
        // `host` (always there) stands in where an event has none.
        let search =
            format!("{body}\n| eval {RISK_FIELD}=coalesce({RISK_FIELD}, host)\n| `{filter_macro}`");
        let domain = match entry.platform {
            Platform::Network => SecurityDomain::Network,
            _ => SecurityDomain::Endpoint,
        };
        let data_source = data_source::for_logsource(entry.logsource);
        let analytic = AnalyticType::from_severity(meta.severity);
        let schedule = meta.schedule;
        Ok(Detection {
            id,
            analytic,
            search,
            filter_macro,
            description: super::conf::fold(&meta.description),
            guide: (!meta.guide.is_empty()).then(|| meta.guide.markdown(3)),
            next_steps: next_steps(meta),
            how_to_implement: how_to_implement(meta, data_source),
            known_false_positives: known_false_positives(meta),
            references: meta
                .references
                .iter()
                .filter(|r| is_http_url(r))
                .cloned()
                .collect(),
            author: author(meta),
            date: date(meta),
            domain,
            data_source,
            mitre_attack: mitre_attack(&meta.attack.techniques),
            severity: meta.severity,
            risk_score: meta.severity.risk_score(),
            cron: cron(schedule).map_err(refuse)?,
            earliest: format!("-{}", format_duration(schedule.lookback_secs)),
            latest: "now",
            suppress_period: suppress_period(schedule),
            name,
        })
    }

    /// `TH - <name> - Rule`, the stanza and ES label.
    pub fn stanza(&self) -> String {
        format!("{APP_LABEL} - {} - Rule", self.name)
    }

    /// The file stem `contentctl` requires for this name.
    pub fn file_stem(&self) -> String {
        file_stem(&self.name)
    }

    /// `action.risk.param._risk_message` / the YAML's `rba.message`.
    pub fn risk_message(&self) -> String {
        format!("{} on ${RISK_FIELD}$", self.name)
    }

    /// The two drilldowns ES shows on a notable: this detection's results
    /// for the host, and the host's risk events of the last week.
    pub fn drilldowns(&self, search: &str) -> Vec<Drilldown> {
        vec![
            Drilldown {
                name: format!("View the detection results for ${RISK_FIELD}$"),
                search: format!("{search} | search {RISK_FIELD} = ${RISK_FIELD}$"),
            },
            Drilldown {
                name: format!("View risk events for the last 7 days for ${RISK_FIELD}$"),
                search: format!(
                    "| from datamodel Risk.All_Risk | search normalized_risk_object IN (${RISK_FIELD}$) \
                     starthoursago=168 | stats count min(_time) as firstTime max(_time) as lastTime \
                     values(search_name) as \"Search Name\" values(risk_message) as \"Risk Message\" \
                     values(analyticstories) as \"Analytic Stories\" values(annotations._all) as \"Annotations\" \
                     values(annotations.mitre_attack.mitre_tactic) as \"ATT&CK Tactics\" by normalized_risk_object \
                     | convert ctime(firstTime) ctime(lastTime)"
                ),
            },
        ]
    }
}

/// A drilldown search; both run over the notable's own time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drilldown {
    pub name: String,
    pub search: String,
}

pub const DRILLDOWN_EARLIEST: &str = "$info_min_time$";
pub const DRILLDOWN_LATEST: &str = "$info_max_time$";

/// The title as a detection name: only letters, digits, spaces, `-`, `_`
/// and `.` (the rest would end up in a macro or file name), single spaces.
pub fn detection_name(title: &str) -> String {
    title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `contentctl`'s file name for a content name, without `.yml`.
pub fn file_stem(name: &str) -> String {
    name.replace([' ', '-', '.', '/'], "_").to_lowercase()
}

/// The backend's query without its leading ```` ``` ```` comment lines:
/// their facts are the stanza's own settings.
fn strip_comment_header(query: &str) -> String {
    query
        .lines()
        .skip_while(|line| line.starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// A cron expression that runs every `interval`, evenly: minutes that
/// divide an hour, hours that divide a day, or daily.
fn cron(schedule: Schedule) -> Result<String, String> {
    let secs = schedule.interval_secs;
    let uneven = || {
        format!(
            "interval {} has no even cron schedule (use minutes dividing 60, hours dividing 24, or 1d)",
            format_duration(secs)
        )
    };
    if !secs.is_multiple_of(60) {
        return Err(uneven());
    }
    let minutes = secs / 60;
    match minutes {
        1 => Ok("* * * * *".to_owned()),
        m if m < 60 && 60 % m == 0 => Ok(format!("*/{m} * * * *")),
        60 => Ok("0 * * * *".to_owned()),
        m if m % 60 == 0 && m < 1440 && 1440 % m == 0 => Ok(format!("0 */{} * * *", m / 60)),
        1440 => Ok("0 0 * * *".to_owned()),
        _ => Err(uneven()),
    }
}

/// Suppress repeats for one look-back: consecutive runs overlap by the
/// ingest lag, and the same event must not raise two notables.
fn suppress_period(schedule: Schedule) -> String {
    let secs = schedule.lookback_secs;
    if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

fn next_steps(meta: &RuleMeta) -> Option<String> {
    use crate::guide::Section;
    let parts: Vec<String> = [
        Section::WhatFired,
        Section::Investigation,
        Section::Response,
    ]
    .into_iter()
    .filter_map(|s| {
        meta.guide
            .section(s)
            .map(|body| format!("{}:\n{body}", s.heading()))
    })
    .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

fn how_to_implement(meta: &RuleMeta, source: Option<&DataSource>) -> String {
    let data = match source {
        Some(source) => format!(
            "The search reads {} events ({}) as the {} extracts them.",
            source.name, source.source, source.add_on
        ),
        None => "The search reads the events named in its first line; ingest them with the \
                 Splunk add-on that extracts their fields."
            .to_owned(),
    };
    // Only the YAML carries it (the .conf has no such setting), so the
    // guide's tuning advice keeps its lines and code blocks.
    let tuning = meta
        .guide
        .section(crate::guide::Section::Tuning)
        .map(|t| format!("\n\n{t}"))
        .unwrap_or_default();
    format!("{data} Tune it in the filter macro rather than the search.{tuning}")
}

fn known_false_positives(meta: &RuleMeta) -> String {
    let listed = super::conf::fold(&meta.falsepositives.join(". "));
    match listed.chars().count() {
        0 => "None documented in the Sigma rule.".to_owned(),
        // security_content wants at least four characters ("N/A", "-").
        1..4 => format!("The Sigma rule says: {listed}"),
        _ => listed,
    }
}

/// The ATT&CK ids security_content accepts: a technique whose
/// sub-technique is also listed is left out (contentctl refuses both).
fn mitre_attack(techniques: &[&Technique]) -> Vec<String> {
    techniques
        .iter()
        .filter(|t| {
            !techniques
                .iter()
                .any(|other| other.parent_id() == Some(t.id.as_str()))
        })
        .map(|t| t.id.clone())
        .collect()
}

fn author(meta: &RuleMeta) -> String {
    let author = super::conf::fold(meta.author.as_deref().unwrap_or("unknown"));
    // security_content's limit.
    author.chars().take(255).collect()
}

/// `YYYY-MM-DD` from the rule's `modified` or `date` (Sigma also allows
/// `YYYY/MM/DD`); a rule without one gets the Unix epoch, as Elastic's does.
fn date(meta: &RuleMeta) -> String {
    meta.modified
        .as_deref()
        .or(meta.date.as_deref())
        .map(|d| d.replace('/', "-"))
        .filter(|d| {
            d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
        })
        .unwrap_or_else(|| "1970-01-01".to_owned())
}

/// References security_content accepts (`HttpUrl`).
fn is_http_url(reference: &str) -> bool {
    (reference.starts_with("https://") || reference.starts_with("http://"))
        && !reference
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        && reference.split_once("://").is_some_and(|(_, rest)| {
            rest.split(['/', '?', '#'])
                .next()
                .is_some_and(|host| !host.is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_name_fits_the_stanza_limit() {
        let longest = "x".repeat(MAX_NAME_LEN);
        assert!(format!("{APP_LABEL} - {longest} - Rule").len() <= MAX_STANZA_LEN);
    }

    #[test]
    fn names_and_files_follow_contentctl() {
        let name = detection_name("DNS-over-HTTPS Request (PowerShell): \"x\" / y");
        assert_eq!(name, "DNS-over-HTTPS Request PowerShell x y");
        assert_eq!(file_stem(&name), "dns_over_https_request_powershell_x_y");
    }

    #[test]
    fn a_technique_gives_way_to_its_listed_sub_technique() {
        let tags = ["attack.t1090", "attack.t1090.001", "attack.t1572"].map(String::from);
        let mapping = crate::attack::resolve(&tags);
        assert_eq!(mitre_attack(&mapping.techniques), ["T1090.001", "T1572"]);
    }

    #[test]
    fn cron_runs_evenly_or_refuses() {
        let every = |secs| {
            cron(Schedule {
                interval_secs: secs,
                lookback_secs: secs,
            })
        };
        assert_eq!(every(300).unwrap(), "*/5 * * * *");
        assert_eq!(every(3600).unwrap(), "0 * * * *");
        assert_eq!(every(4 * 3600).unwrap(), "0 */4 * * *");
        assert_eq!(every(86_400).unwrap(), "0 0 * * *");
        assert!(every(7 * 60).is_err());
        assert!(every(90).is_err());
        assert!(every(5 * 3600).is_err());
    }

    #[test]
    fn the_comment_header_goes_and_references_must_be_urls() {
        assert_eq!(
            strip_comment_header("``` title: x ```\n``` id: y ```\nsource=a\n| where b"),
            "source=a\n| where b"
        );
        assert!(is_http_url("https://example.org/x"));
        assert!(!is_http_url("https:// spaced"));
        assert!(!is_http_url("internal research"));
    }
}
