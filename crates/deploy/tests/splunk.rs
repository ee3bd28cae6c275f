//! Splunk ES objects of the pack: golden files, `contentctl validate` and
//! `build` on the repo form with our `savedsearches.conf` compared to the
//! one contentctl builds (validators/splunk), and the injection round trip
//! through Splunk's conf parser and YAML.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use saphyr::LoadableYamlNode;
use tunnelhunt_backends::spl::Spl;
use tunnelhunt_deploy::guide::Guide;
use tunnelhunt_deploy::splunk::detection::{MAX_NAME_LEN, detection_name};
use tunnelhunt_deploy::splunk::{SplunkObjects, conf, content};
use tunnelhunt_deploy::{Entry, File, Form, Objects, Platform, RuleMeta};
use tunnelhunt_sigma::ast::LogSource;

use crate::common::{Pack, Rendered, pack, rendered, repo_root};

/// A rendered pack rule with the logsource its entry needs.
struct Item {
    rendered: Rendered,
    logsource: LogSource,
}

fn items(pack: &Pack) -> (Vec<Item>, usize) {
    let (rendered, refused) = rendered(pack, &Spl);
    let items = rendered
        .into_iter()
        .map(|rendered| Item {
            logsource: rendered.logsource.clone(),
            rendered,
        })
        .collect();
    (items, refused)
}

fn entry<'a>(item: &'a Item, meta: &'a RuleMeta) -> Entry<'a> {
    Entry {
        meta,
        query: &item.rendered.query,
        stem: &item.rendered.stem,
        platform: Platform::from_product(item.logsource.product.as_deref()),
        logsource: &item.logsource,
        stable: item.rendered.stable,
    }
}

/// The objects of `items`; behaviour-analytic inputs are refused (checked
/// here) and left out.
fn collect<'a>(items: impl IntoIterator<Item = &'a Item>) -> SplunkObjects {
    let mut objects = SplunkObjects::default();
    for item in items {
        if item.rendered.meta.behaviour.is_some() {
            let refused = objects.add(&entry(item, &item.rendered.meta));
            assert!(
                refused.is_err_and(|e| e.to_string().contains("behaviour analytic")),
                "{}",
                item.rendered.stem
            );
            continue;
        }
        objects
            .add(&entry(item, &item.rendered.meta))
            .unwrap_or_else(|e| panic!("{}: {e}", item.rendered.stem));
    }
    objects
}

fn file<'a>(files: &'a [File], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == Path::new(path))
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

static PACK_SPL: LazyLock<Vec<Item>> = LazyLock::new(|| items(&pack()).0);

/// The pack rule the injection tests dress up: the first that raises a
/// notable, so the guide's next steps are written too.
fn base() -> &'static Item {
    PACK_SPL
        .iter()
        .find(|i| {
            let meta = &i.rendered.meta;
            meta.behaviour.is_none() && meta.severity >= tunnelhunt_deploy::Severity::High
        })
        .expect("the pack has high SPL alerts")
}

#[test]
fn golden_objects() {
    for stem in [
        "proc_creation_win_netsh_portproxy_add",
        "dns_query_long_query_name",
        "win_security_rdp_logon_from_loopback",
    ] {
        let item = PACK_SPL
            .iter()
            .find(|i| i.rendered.stem == stem)
            .unwrap_or_else(|| panic!("{stem} renders in SPL"));
        let objects = collect([item]);
        let files = objects.files(Form::Repo).unwrap();
        let detection = &objects.detections()[0];
        insta::assert_snapshot!(
            format!("{stem}.savedsearches.conf"),
            file(&files, "default/savedsearches.conf")
        );
        insta::assert_snapshot!(
            format!("{stem}.yml"),
            file(
                &files,
                &format!(
                    "detections/{}/{}.yml",
                    detection.domain.as_str(),
                    detection.file_stem()
                )
            )
        );
    }
}

#[test]
fn the_pack_gets_its_story_and_one_macro_per_search() {
    let objects = collect(PACK_SPL.iter());
    assert_eq!(objects.story().name, content::TUNNELLING_STORY.name);
    let files = objects.files(Form::Rule).unwrap();
    let macros = conf_stanzas(file(&files, "default/macros.conf"));
    let searches = conf_stanzas(file(&files, "default/savedsearches.conf"));
    assert_eq!(macros.len(), objects.len());
    assert_eq!(searches.len(), objects.len());
    for (name, settings) in &searches {
        let search = &settings["search"];
        let last = search.lines().last().unwrap_or_default();
        let macro_name = last.trim_start_matches("| `").trim_end_matches('`');
        assert_eq!(macros[macro_name]["definition"], "search *", "{name}");
        assert_eq!(settings["disabled"], "1", "{name}");
    }
}

/// A `.conf` file read as Splunk documents it: `[stanza]`, `key = value`,
/// `#` comments, a line ending in a backslash continues the value on the
/// next line (joined by a newline).
fn conf_stanzas(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut stanzas: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            assert!(
                stanzas.insert(name.to_owned(), BTreeMap::new()).is_none(),
                "stanza [{name}] twice"
            );
            current = Some(name.to_owned());
            continue;
        }
        let (key, first) = line.split_once('=').expect("a setting line");
        let mut value = first.trim().to_owned();
        while let Some(head) = value.strip_suffix('\\') {
            value = format!("{}\n{}", head.trim_end(), lines.next().unwrap_or("").trim());
        }
        let stanza = current.as_ref().expect("settings inside a stanza");
        let settings = stanzas.get_mut(stanza).unwrap();
        assert!(
            settings.insert(key.trim().to_owned(), value).is_none(),
            "[{stanza}] {key} twice"
        );
    }
    stanzas
}

/// The contentctl venv's python when `TUNNELHUNT_VALIDATORS` is set (it
/// must then exist), else `None` after saying the test was skipped.
fn contentctl_python() -> Option<std::path::PathBuf> {
    if std::env::var_os("TUNNELHUNT_VALIDATORS").is_none() {
        println!("skipped: TUNNELHUNT_VALIDATORS not set");
        return None;
    }
    let venv = std::env::var_os("TUNNELHUNT_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/validators-venv"));
    let mut name = venv.into_os_string();
    name.push("-contentctl");
    let python = std::path::PathBuf::from(name).join("bin/python");
    assert!(
        python.is_file(),
        "TUNNELHUNT_VALIDATORS is set but {} is missing: run validators/splunk/setup.sh",
        python.display()
    );
    Some(python)
}

fn write_repo(objects: &SplunkObjects, dir: &Path) {
    for empty in objects.empty_dirs(Form::Repo) {
        std::fs::create_dir_all(dir.join(empty)).unwrap();
    }
    for file in objects.files(Form::Repo).unwrap() {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.contents).unwrap();
    }
}

#[test]
fn the_pack_passes_contentctl_and_its_build_agrees_with_our_conf() {
    let Some(python) = contentctl_python() else {
        return;
    };
    let (items, refused) = items(&pack());
    let objects = collect(items.iter());
    let dir = tempfile::tempdir().unwrap();
    write_repo(&objects, dir.path());
    let output = Command::new(python)
        .arg(repo_root().join("validators/splunk/splunk_check.py"))
        .arg("repo")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "splunk_check failed");
    assert!(
        stdout.contains(&format!(
            "{} correlation searches compared, 0 differences",
            objects.len()
        )),
        "{stdout}"
    );
    println!(
        "{} pack detections, {refused} refused by SPL",
        objects.len()
    );
}

/// Text with the metacharacters of .conf, YAML, JSON, SPL and Markdown:
/// quotes, backslashes (also at a line's end), newlines and carriage
/// returns, `#`, `;`, `*`, `:`, `{`, `[stanza]`, `$`, backticks, `rem`,
/// `%`, YAML indicators, control characters and non-ASCII.
fn hostile_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("\\".to_owned()),
            Just("\\\n".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\n#".to_owned()),
            Just("\n;".to_owned()),
            Just("\n*".to_owned()),
            Just("\nrem ".to_owned()),
            Just(" ; ".to_owned()),
            Just("[TH - x - Rule]".to_owned()),
            Just("\nsearch = | delete\n".to_owned()),
            Just("key: value".to_owned()),
            Just("{\"a\": [1]}".to_owned()),
            Just("$dest$".to_owned()),
            Just("`macro`".to_owned()),
            Just("%name%".to_owned()),
            Just("- ".to_owned()),
            Just("&anchor *alias !tag |".to_owned()),
            Just("\t".to_owned()),
            Just("\u{1b}[31m".to_owned()),
            Just("\u{85}\u{2028}".to_owned()),
            Just("é€😀".to_owned()),
            "[a-z ]{0,6}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// One hostile rule's objects, or why it has none.
#[derive(Debug)]
struct Hostile {
    title: String,
    description: String,
    guide_body: String,
    falsepositive: String,
}

impl Hostile {
    fn meta(&self) -> RuleMeta {
        let mut meta = base().rendered.meta.clone();
        meta.title = self.title.clone();
        meta.description = self.description.clone();
        meta.falsepositives = vec![self.falsepositive.clone()];
        meta.guide = Guide::parse(&format!("## Investigation\n\n{}\nend", self.guide_body));
        meta
    }
}

fn hostile() -> impl Strategy<Value = Hostile> {
    (
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_text(),
    )
        .prop_map(|(title, description, guide_body, falsepositive)| Hostile {
            title: format!("Rule {title}"),
            description,
            guide_body,
            falsepositive,
        })
}

/// The values the objects promise, as written: (stanza, setting) → value.
fn promised(objects: &SplunkObjects) -> Vec<(String, String, String)> {
    let detection = &objects.detections()[0];
    let mut values = vec![
        (
            detection.stanza(),
            "description".to_owned(),
            detection.description.clone(),
        ),
        (
            detection.stanza(),
            "search".to_owned(),
            detection.search.clone(),
        ),
    ];
    if let Some(steps) = detection
        .next_steps
        .as_ref()
        .filter(|_| detection.analytic.notable())
    {
        values.push((
            detection.stanza(),
            "action.notable.param.next_steps".to_owned(),
            serde_json::json!({"version": 1, "data": steps}).to_string(),
        ));
    }
    values
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn metadata_comes_back_exactly_from_conf_and_yaml(case in hostile()) {
        let meta = case.meta();
        let mut objects = SplunkObjects::default();
        let name = detection_name(&case.title);
        let added = objects.add(&entry(base(), &meta));
        if name.chars().count() > MAX_NAME_LEN {
            prop_assert!(added.is_err());
            return Ok(());
        }
        let detection_added = added.is_ok();
        let representable = tunnelhunt_deploy::splunk::conf::unrepresentable(&conf::fold(&case.description)).is_none();
        prop_assert_eq!(detection_added, representable, "{:?}", added);
        if !detection_added {
            return Ok(());
        }
        let detection = objects.detections()[0].clone();
        prop_assert_eq!(&detection.name, &name);
        prop_assert_eq!(&detection.description, &conf::fold(&case.description));
        let files = objects.files(Form::Repo).unwrap();

        // The conf holds exactly one stanza, named after the title, and
        // every value reads back as written.
        let stanzas = conf_stanzas(file(&files, "default/savedsearches.conf"));
        prop_assert_eq!(stanzas.keys().cloned().collect::<Vec<_>>(), vec![detection.stanza()]);
        for (stanza, key, value) in promised(&objects) {
            let back = &stanzas[&stanza][&key];
            if key.ends_with("next_steps") {
                let back: serde_json::Value = serde_json::from_str(back).unwrap();
                let value: serde_json::Value = serde_json::from_str(&value).unwrap();
                prop_assert_eq!(back, value);
            } else {
                prop_assert_eq!(back, &value);
            }
        }

        // The YAML reads back with saphyr.
        let yaml_text = file(&files, &format!("detections/endpoint/{}.yml", detection.file_stem()));
        let docs = saphyr::Yaml::load_from_str(yaml_text).unwrap();
        let doc = &docs[0];
        prop_assert_eq!(doc["name"].as_str(), Some(name.as_str()));
        let description = content::yaml_text(&detection.description);
        let explanation = detection.guide.as_deref().map(content::yaml_text);
        let false_positives = content::yaml_text(&detection.known_false_positives);
        prop_assert_eq!(doc["description"].as_str(), Some(description.as_str()));
        prop_assert_eq!(doc.as_mapping_get("explanation").and_then(|e| e.as_str()), explanation.as_deref());
        prop_assert_eq!(doc["known_false_positives"].as_str(), Some(false_positives.as_str()));
        prop_assert_eq!(doc["search"].as_str(), Some(detection.search.as_str()));
    }
}

/// The same hostile values read back by Splunk's own conf parser and by
/// PyYAML (contentctl's reader), many cases in one run of each.
#[test]
fn splunks_parser_and_pyyaml_read_back_what_we_wrote() {
    let Some(python) = contentctl_python() else {
        return;
    };
    let mut runner = TestRunner::deterministic();
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    let mut yaml_files = Vec::new();
    for index in 0..200 {
        let case = hostile().new_tree(&mut runner).unwrap().current();
        let meta = case.meta();
        let mut objects = SplunkObjects::default();
        if objects.add(&entry(base(), &meta)).is_err() {
            continue;
        }
        let files = objects.files(Form::Repo).unwrap();
        let detection = objects.detections()[0].clone();
        let conf_path = dir.path().join(format!("{index}.conf"));
        std::fs::write(&conf_path, file(&files, "default/savedsearches.conf")).unwrap();
        let yaml_path = dir.path().join(format!("{index}.yml"));
        std::fs::write(
            &yaml_path,
            file(
                &files,
                &format!("detections/endpoint/{}.yml", detection.file_stem()),
            ),
        )
        .unwrap();
        yaml_files.push((yaml_path, detection.clone()));
        expected.push((conf_path, promised(&objects)));
    }
    assert!(
        expected.len() > 50,
        "too few representable cases: {}",
        expected.len()
    );
    let output = Command::new(&python)
        .arg(repo_root().join("validators/splunk/splunk_check.py"))
        .arg("parse")
        .args(expected.iter().map(|(path, _)| path))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for (path, values) in &expected {
        let stanzas = &parsed[path.to_string_lossy().as_ref()];
        assert_eq!(stanzas.as_object().map(|o| o.len()), Some(1), "{path:?}");
        for (stanza, key, value) in values {
            let raw = stanzas[stanza][key]
                .as_str()
                .unwrap_or_else(|| panic!("{path:?}: {key}"));
            // Splunk's parser keeps each continued line's ` \` marker.
            let back = raw.replace(" \\\n", "\n");
            if key.ends_with("next_steps") {
                let back: serde_json::Value = serde_json::from_str(&back).unwrap();
                let value: serde_json::Value = serde_json::from_str(value).unwrap();
                assert_eq!(back, value, "{path:?}");
            } else {
                assert_eq!(&back, value, "{path:?}: {key}");
            }
        }
    }
    let script = "import json, sys, yaml\nprint(json.dumps([yaml.safe_load(open(p, encoding='utf-8')) for p in sys.argv[1:]], default=str))";
    let output = Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(yaml_files.iter().map(|(path, _)| path))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let docs: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    for ((path, detection), doc) in yaml_files.iter().zip(&docs) {
        assert_eq!(doc["name"], detection.name.as_str(), "{path:?}");
        assert_eq!(
            doc["description"],
            content::yaml_text(&detection.description),
            "{path:?}"
        );
        assert_eq!(doc["search"], detection.search.as_str(), "{path:?}");
        assert_eq!(
            doc["explanation"].as_str(),
            detection
                .guide
                .as_deref()
                .map(content::yaml_text)
                .as_deref(),
            "{path:?}"
        );
    }
    println!(
        "{} hostile objects read back by Splunk's conf parser and PyYAML",
        expected.len()
    );
}
