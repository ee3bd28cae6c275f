//! The security_content data sources a detection names.
//!
//! A detection's `data_source` must name a data-source object of the
//! repository, so the repo form writes one file per source its detections
//! use. Only sources the SPL backend's default flavor reads, one event type
//! each, are named: the Sysmon events of a Sigma category and PowerShell
//! script blocks. A rule over several event types (`registry_event`) or a
//! Security-log service names none rather than a wrong one.
//!
//! The names, sources and source types are those of splunk/security_content;
//! the ids are ours (fixed, so exports are reproducible).

use tunnelhunt_sigma::ast::LogSource;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    pub name: &'static str,
    pub id: &'static str,
    pub source: &'static str,
    pub sourcetype: &'static str,
    /// The Splunk add-on that extracts its fields.
    pub add_on: &'static str,
    pub add_on_url: &'static str,
    pub add_on_version: &'static str,
    /// The Sigma logsource (product windows) it serves.
    category: Option<&'static str>,
    service: Option<&'static str>,
}

const SYSMON: &str = "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational";
const SYSMON_ADD_ON: &str = "Splunk Add-on for Sysmon";
const SYSMON_URL: &str = "https://splunkbase.splunk.com/app/5709/";
const WINDOWS_ADD_ON: &str = "Splunk Add-on for Microsoft Windows";
const WINDOWS_URL: &str = "https://splunkbase.splunk.com/app/742/";

const fn sysmon(name: &'static str, id: &'static str, category: &'static str) -> DataSource {
    DataSource {
        name,
        id,
        source: SYSMON,
        sourcetype: "XmlWinEventLog",
        add_on: SYSMON_ADD_ON,
        add_on_url: SYSMON_URL,
        add_on_version: "4.0.0",
        category: Some(category),
        service: None,
    }
}

pub const DATA_SOURCES: &[DataSource] = &[
    sysmon(
        "Sysmon EventID 1",
        "8bd847ce-5a87-44a4-92ba-465e472885a0",
        "process_creation",
    ),
    sysmon(
        "Sysmon EventID 3",
        "cc424af0-b036-492b-9d32-9f98bf2dbfa3",
        "network_connection",
    ),
    sysmon(
        "Sysmon EventID 6",
        "a4700f84-97d1-4cee-a51f-2a9a8f092546",
        "driver_load",
    ),
    sysmon(
        "Sysmon EventID 7",
        "f5ef3f35-d25f-4c0c-833a-6ee783d69de5",
        "image_load",
    ),
    sysmon(
        "Sysmon EventID 8",
        "94bbfd15-7610-41f6-9c05-8a5a067294d3",
        "create_remote_thread",
    ),
    sysmon(
        "Sysmon EventID 10",
        "4491b1b8-c98a-47d4-b3bc-2e69ad4379a6",
        "process_access",
    ),
    sysmon(
        "Sysmon EventID 11",
        "d77bf173-e066-4822-ade4-447277a31fb7",
        "file_event",
    ),
    sysmon(
        "Sysmon EventID 12",
        "ad47cbb2-9c7f-4141-b8fe-ff7756f7ea29",
        "registry_add",
    ),
    sysmon(
        "Sysmon EventID 13",
        "03039a8c-3449-453a-8909-614c690b111b",
        "registry_set",
    ),
    sysmon(
        "Sysmon EventID 17",
        "9f978ee8-d804-4658-a70f-a6938ee69f0f",
        "pipe_created",
    ),
    sysmon(
        "Sysmon EventID 22",
        "ba2ae6d8-c87d-4025-9662-721a4a4991d3",
        "dns_query",
    ),
    DataSource {
        name: "Powershell Script Block Logging 4104",
        id: "5fe335df-0c9f-4f74-b8cd-a45457c6a81b",
        source: "XmlWinEventLog:Microsoft-Windows-PowerShell/Operational",
        sourcetype: "XmlWinEventLog",
        add_on: WINDOWS_ADD_ON,
        add_on_url: WINDOWS_URL,
        add_on_version: "8.8.0",
        category: Some("ps_script"),
        service: None,
    },
];

/// The one data source of a Windows logsource, when it has exactly one.
pub fn for_logsource(logsource: &LogSource) -> Option<&'static DataSource> {
    if logsource.product.as_deref() != Some("windows") {
        return None;
    }
    DATA_SOURCES.iter().find(|source| {
        source.category.is_some() == logsource.category.is_some()
            && source.category == logsource.category.as_deref()
            && (logsource.service.is_none() || source.service == logsource.service.as_deref())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_are_unique() {
        let mut names: Vec<&str> = DATA_SOURCES.iter().map(|d| d.name).collect();
        let mut ids: Vec<&str> = DATA_SOURCES.iter().map(|d| d.id).collect();
        names.sort_unstable();
        names.dedup();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(names.len(), DATA_SOURCES.len());
        assert_eq!(ids.len(), DATA_SOURCES.len());
    }

    #[test]
    fn a_windows_category_finds_its_sysmon_event() {
        let logsource = LogSource {
            product: Some("windows".into()),
            category: Some("dns_query".into()),
            ..LogSource::default()
        };
        assert_eq!(
            for_logsource(&logsource).map(|d| d.name),
            Some("Sysmon EventID 22")
        );
        let security = LogSource {
            product: Some("windows".into()),
            service: Some("security".into()),
            ..LogSource::default()
        };
        assert_eq!(for_logsource(&security), None);
    }
}
