//! Which columns a Sentinel-flavor query returns, and which of them carry
//! the entities (Host, Account, Process, IP, DNS, RegistryKey) an analytics
//! rule maps.
//!
//! Sentinel maps an entity from a column of the query's result, so a
//! mapping must name a column the query really returns. The KQL backend's
//! `sentinel` flavor reads three kinds of table: `SecurityEvent` and the
//! Defender tables (`DeviceProcessEvents`), whose fields are columns, and
//! `Event`, whose Sysmon and PowerShell fields live in the `EventProperties`
//! property bag the query builds. For the bag, the object's query gains a
//! final `| extend` that projects the fields its entities need to top-level
//! columns; for the others the table's own columns are used (Azure Monitor
//! table reference). The query's first line names its table; the rule's
//! logsource category says which entities make sense (a process, a
//! destination, a query name, a registry key).

use tunnelhunt_sigma::ast::LogSource;

/// A table the `sentinel` flavor reads, as the query's first line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    SecurityEvent,
    /// `Event` rows of the Sysmon provider, fields in `EventProperties`.
    SysmonEvent,
    /// Other `Event` rows (System, Application, PowerShell).
    Event,
    DeviceProcessEvents,
    /// Any other table: no entity is mapped.
    Other,
}

impl Table {
    /// The table of a query body (comment header already removed): the
    /// name its first line starts with.
    pub fn of_query(body: &str) -> (Table, &str) {
        let first = body
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        Table::named(leading_name(first), body)
    }

    /// Every table a query reads: each line that starts a tabular
    /// expression (`Table`, or `(Table` inside a `union`) with a table
    /// name this flavor uses, in order, once each.
    pub fn all_in(body: &str) -> Vec<(Table, &str)> {
        let mut found: Vec<(Table, &str)> = Vec::new();
        for line in body.lines() {
            let name = leading_name(line.trim_start().trim_start_matches('('));
            let (table, name) = Table::named(name, body);
            let known = table != Table::Other || name.starts_with("Device");
            if known && !found.iter().any(|(_, n)| *n == name) {
                found.push((table, name));
            }
        }
        found
    }

    fn named<'q>(name: &'q str, body: &str) -> (Table, &'q str) {
        let table = match name {
            "SecurityEvent" => Table::SecurityEvent,
            "Event" if body.contains("Source == \"Microsoft-Windows-Sysmon\"") => {
                Table::SysmonEvent
            }
            "Event" => Table::Event,
            "DeviceProcessEvents" => Table::DeviceProcessEvents,
            _ => Table::Other,
        };
        (table, name)
    }
}

/// The identifier a line starts with.
fn leading_name(line: &str) -> &str {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default()
}

/// The entity columns of one query, and the `| extend` that makes the
/// bag's fields columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// `(column, expression)` pairs of the final `| extend`.
    pub extend: Vec<(String, String)>,
    pub host: Option<&'static str>,
    /// Account column and the identifier it fills (`FullName` for
    /// `DOMAIN\user`, `Name` for a bare user name).
    pub account: Option<(&'static str, &'static str)>,
    pub command_line: Option<&'static str>,
    pub process_id: Option<&'static str>,
    /// The executable's path, a custom detail (no entity takes a path alone).
    pub image: Option<&'static str>,
    pub ip: Option<&'static str>,
    pub dns: Option<&'static str>,
    pub registry_key: Option<&'static str>,
}

/// What kind of activity the logsource records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activity {
    Process,
    Network,
    Dns,
    Registry,
    Logon,
    Other,
}

fn activity(logsource: &LogSource) -> Activity {
    match logsource.category.as_deref() {
        Some("process_creation") => Activity::Process,
        Some("network_connection") => Activity::Network,
        Some("dns_query" | "dns") => Activity::Dns,
        Some(c) if c.starts_with("registry_") => Activity::Registry,
        None if logsource.service.as_deref() == Some("security") => Activity::Logon,
        _ => Activity::Other,
    }
}

/// A Sysmon field out of the bag, as a string column of the same name.
fn bag(columns: &mut Columns, field: &'static str) -> &'static str {
    columns.extend.push((
        field.to_owned(),
        format!("tostring(EventProperties[\"{field}\"])"),
    ));
    field
}

impl Columns {
    /// The entity columns of a query on `table` for a rule of `logsource`.
    pub fn plan(table: Table, logsource: &LogSource) -> Columns {
        let activity = activity(logsource);
        let mut c = Columns::default();
        match table {
            Table::SysmonEvent => {
                c.host = Some("Computer");
                c.account = Some((bag(&mut c, "User"), "FullName"));
                c.process_id = Some(bag(&mut c, "ProcessId"));
                c.image = Some(bag(&mut c, "Image"));
                match activity {
                    Activity::Process => c.command_line = Some(bag(&mut c, "CommandLine")),
                    Activity::Network => {
                        c.ip = Some(bag(&mut c, "DestinationIp"));
                        c.dns = Some(bag(&mut c, "DestinationHostname"));
                    }
                    Activity::Dns => c.dns = Some(bag(&mut c, "QueryName")),
                    Activity::Registry => c.registry_key = Some(bag(&mut c, "TargetObject")),
                    Activity::Logon | Activity::Other => {}
                }
            }
            Table::Event => {
                c.host = Some("Computer");
                c.account = Some(("UserName", "FullName"));
            }
            Table::SecurityEvent => {
                c.host = Some("Computer");
                c.account = Some(("Account", "FullName"));
                match activity {
                    Activity::Process => {
                        c.command_line = Some("CommandLine");
                        c.process_id = Some("NewProcessId");
                        c.image = Some("NewProcessName");
                    }
                    Activity::Logon => c.ip = Some("IpAddress"),
                    _ => {}
                }
            }
            Table::DeviceProcessEvents => {
                c.host = Some("DeviceName");
                c.account = Some(("AccountName", "Name"));
                c.command_line = Some("ProcessCommandLine");
                c.process_id = Some("ProcessId");
                c.image = Some("FolderPath");
            }
            Table::Other => {}
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logsource(category: &str) -> LogSource {
        LogSource {
            category: Some(category.to_owned()),
            product: Some("windows".to_owned()),
            ..LogSource::default()
        }
    }

    #[test]
    fn the_first_line_names_the_table_and_sysmon_fields_come_out_of_the_bag() {
        let sysmon = "Event\n| where Source == \"Microsoft-Windows-Sysmon\" and EventID == 13\n";
        assert_eq!(Table::of_query(sysmon).0, Table::SysmonEvent);
        assert_eq!(
            Table::of_query("Event\n| where EventLog == \"System\"").0,
            Table::Event
        );
        assert_eq!(
            Table::of_query("\nSecurityEvent\n| where EventID == 4624").0,
            Table::SecurityEvent
        );
        assert_eq!(Table::of_query("union A, B").0, Table::Other);
        let union = "let m = union\n    (SecurityEvent\n    | where x)\n    (DeviceProcessEvents\n| y);\nm\n| summarize";
        assert_eq!(
            Table::all_in(union),
            [
                (Table::SecurityEvent, "SecurityEvent"),
                (Table::DeviceProcessEvents, "DeviceProcessEvents")
            ]
        );
        let plan = Columns::plan(Table::SysmonEvent, &logsource("registry_set"));
        assert_eq!(plan.registry_key, Some("TargetObject"));
        assert!(plan.extend.contains(&(
            "TargetObject".to_owned(),
            "tostring(EventProperties[\"TargetObject\"])".to_owned()
        )));
        assert_eq!(plan.command_line, None);
    }

    #[test]
    fn security_logons_map_the_source_address_and_process_creation_the_new_process() {
        let logon = LogSource {
            product: Some("windows".to_owned()),
            service: Some("security".to_owned()),
            ..LogSource::default()
        };
        let plan = Columns::plan(Table::SecurityEvent, &logon);
        assert_eq!((plan.ip, plan.command_line), (Some("IpAddress"), None));
        let plan = Columns::plan(Table::SecurityEvent, &logsource("process_creation"));
        assert_eq!((plan.ip, plan.command_line), (None, Some("CommandLine")));
        assert!(plan.extend.is_empty());
    }
}
