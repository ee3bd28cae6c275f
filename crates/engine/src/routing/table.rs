//! The logsource table: data, not code.
//!
//! The Windows part reproduces SigmaHQ's `tests/thor.yml` (the reference
//! configuration used by THOR/SPARK); a test in `tests/routing_thor.rs`
//! parses that file and checks that every logsource in it is covered here
//! identically. Entries beyond it are marked.

/// A Sigma category that a product derives from event identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryEntry {
    /// `None`: any product (thor's antivirus mapping has none).
    pub product: Option<&'static str>,
    pub category: &'static str,
    /// The event is of this category when its EventID is one of these…
    pub event_ids: &'static [u32],
    /// …and it comes from this service's channels (thor's `rewrite`).
    pub service: Option<&'static str>,
    /// …and, when set, this field has one of these values (thor's
    /// `EventType` conditions for the registry categories).
    pub field: Option<FieldCondition>,
}

/// "Field equals one of these values" (ASCII case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldCondition {
    pub field: &'static str,
    pub values: &'static [&'static str],
}

/// A Sigma service and the Windows event log channels it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceEntry {
    pub product: Option<&'static str>,
    pub service: &'static str,
    pub channels: &'static [&'static str],
}

/// A logsource that only sources can name: its events carry no identifier
/// a table could map (web server, syslog and other text logs, the
/// categories auditd and Zeek readers emit). Such events reach the rules
/// only when the reader declares the category/service in
/// [`crate::EventKind`]. `files` records thor's path hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredEntry {
    pub product: Option<&'static str>,
    pub category: Option<&'static str>,
    pub service: Option<&'static str>,
    pub files: &'static [&'static str],
}

const fn sysmon(category: &'static str, event_ids: &'static [u32]) -> CategoryEntry {
    CategoryEntry {
        product: Some("windows"),
        category,
        event_ids,
        service: Some("sysmon"),
        field: None,
    }
}

const fn sysmon_if(
    category: &'static str,
    event_ids: &'static [u32],
    field: &'static str,
    values: &'static [&'static str],
) -> CategoryEntry {
    CategoryEntry {
        field: Some(FieldCondition { field, values }),
        ..sysmon(category, event_ids)
    }
}

const fn windows(
    category: &'static str,
    event_ids: &'static [u32],
    service: &'static str,
) -> CategoryEntry {
    CategoryEntry {
        product: Some("windows"),
        category,
        event_ids,
        service: Some(service),
        field: None,
    }
}

/// Categories derived from EventIDs (thor.yml `conditions` + `rewrite`).
pub const CATEGORIES: &[CategoryEntry] = &[
    sysmon("process_creation", &[1]),
    windows("process_creation", &[4688], "security"),
    sysmon("file_change", &[2]),
    sysmon("network_connection", &[3]),
    sysmon("sysmon_status", &[4, 16]),
    sysmon("process_termination", &[5]),
    sysmon("driver_load", &[6]),
    sysmon("image_load", &[7]),
    sysmon("create_remote_thread", &[8]),
    sysmon("raw_access_thread", &[9]),
    sysmon("process_access", &[10]),
    sysmon("file_event", &[11]),
    sysmon("registry_event", &[12, 13, 14]),
    sysmon_if("registry_add", &[12], "EventType", &["CreateKey"]),
    sysmon_if(
        "registry_delete",
        &[12],
        "EventType",
        &["DeleteKey", "DeleteValue"],
    ),
    sysmon("registry_set", &[13]),
    sysmon("registry_rename", &[14]),
    sysmon("create_stream_hash", &[15]),
    sysmon("pipe_created", &[17, 18]),
    sysmon("wmi_event", &[19, 20, 21]),
    sysmon("dns_query", &[22]),
    sysmon("file_delete", &[23]),
    sysmon("clipboard_change", &[24]),
    sysmon("process_tampering", &[25]),
    sysmon("file_delete_detected", &[26]),
    sysmon("file_block_executable", &[27]),
    sysmon("file_block_shredding", &[28]),
    sysmon("file_executable_detected", &[29]),
    sysmon("sysmon_error", &[255]),
    windows("ps_module", &[4103], "powershell"),
    windows("ps_script", &[4104], "powershell"),
    windows("ps_classic_start", &[400], "powershell-classic"),
    windows("ps_classic_provider_start", &[600], "powershell-classic"),
    windows("ps_classic_script", &[800], "powershell-classic"),
    CategoryEntry {
        product: None,
        category: "antivirus",
        event_ids: &[
            1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116,
        ],
        service: Some("windefend"),
        field: None,
    },
];

const fn win(service: &'static str, channels: &'static [&'static str]) -> ServiceEntry {
    ServiceEntry {
        product: Some("windows"),
        service,
        channels,
    }
}

/// Windows services and their channels (thor.yml `sources: WinEventLog:…`).
pub const SERVICES: &[ServiceEntry] = &[
    win("application", &["Application"]),
    win("security", &["Security"]),
    win("system", &["System"]),
    win("ntlm", &["Microsoft-Windows-NTLM/Operational"]),
    win("sysmon", &["Microsoft-Windows-Sysmon/Operational"]),
    win(
        "powershell",
        &[
            "Microsoft-Windows-PowerShell/Operational",
            "PowerShellCore/Operational",
        ],
    ),
    win("powershell-classic", &["Windows PowerShell"]),
    win(
        "taskscheduler",
        &["Microsoft-Windows-TaskScheduler/Operational"],
    ),
    win("wmi", &["Microsoft-Windows-WMI-Activity/Operational"]),
    win("dhcp", &["Microsoft-Windows-DHCP-Server/Operational"]),
    win(
        "printservice-admin",
        &["Microsoft-Windows-PrintService/Admin"],
    ),
    win(
        "smbclient-security",
        &["Microsoft-Windows-SmbClient/Security"],
    ),
    win(
        "smbclient-connectivity",
        &["Microsoft-Windows-SmbClient/Connectivity"],
    ),
    win(
        "smbserver-connectivity",
        &["Microsoft-Windows-SMBServer/Connectivity"],
    ),
    win(
        "printservice-operational",
        &["Microsoft-Windows-PrintService/Operational"],
    ),
    win(
        "terminalservices-localsessionmanager",
        &["Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"],
    ),
    win(
        "codeintegrity-operational",
        &["Microsoft-Windows-CodeIntegrity/Operational"],
    ),
    win(
        "applocker",
        &[
            "Microsoft-Windows-AppLocker/MSI and Script",
            "Microsoft-Windows-AppLocker/EXE and DLL",
            "Microsoft-Windows-AppLocker/Packaged app-Deployment",
            "Microsoft-Windows-AppLocker/Packaged app-Execution",
        ],
    ),
    win("msexchange-management", &["MSExchange Management"]),
    win(
        "windefend",
        &["Microsoft-Windows-Windows Defender/Operational"],
    ),
    win(
        "firewall-as",
        &["Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"],
    ),
    win(
        "bits-client",
        &["Microsoft-Windows-Bits-Client/Operational"],
    ),
    win(
        "security-mitigations",
        &[
            "Microsoft-Windows-Security-Mitigations/Kernel Mode",
            "Microsoft-Windows-Security-Mitigations/User Mode",
        ],
    ),
    win(
        "diagnosis-scripted",
        &["Microsoft-Windows-Diagnosis-Scripted/Operational"],
    ),
    win("shell-core", &["Microsoft-Windows-Shell-Core/Operational"]),
    win("openssh", &["OpenSSH/Operational"]),
    win("ldap", &["Microsoft-Windows-LDAP-Client/Debug"]),
    win(
        "bitlocker",
        &["Microsoft-Windows-BitLocker/BitLocker Management"],
    ),
    win("vhdmp", &["Microsoft-Windows-VHDMP/Operational"]),
    win(
        "appxdeployment-server",
        &["Microsoft-Windows-AppXDeploymentServer/Operational"],
    ),
    win("lsa-server", &["Microsoft-Windows-LSA/Operational"]),
    win(
        "appxpackaging-om",
        &["Microsoft-Windows-AppxPackaging/Operational"],
    ),
    win(
        "dns-client",
        &["Microsoft-Windows-DNS Client Events/Operational"],
    ),
    win(
        "appmodel-runtime",
        &["Microsoft-Windows-AppModel-Runtime/Admin"],
    ),
    win("capi2", &["Microsoft-Windows-CAPI2/Operational"]),
    win(
        "certificateservicesclient-lifecycle-system",
        &["Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"],
    ),
    win(
        "kernel-shimengine",
        &[
            "Microsoft-Windows-Kernel-ShimEngine/Operational",
            "Microsoft-Windows-Kernel-ShimEngine/Diagnostic",
        ],
    ),
    win(
        "application-experience",
        &[
            "Microsoft-Windows-Application-Experience/Program-Telemetry",
            "Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant",
        ],
    ),
    win("ntfs", &["Microsoft-Windows-Ntfs/Operational"]),
    win("hyper-v-worker", &["Microsoft-Windows-Hyper-V-Worker"]),
    win(
        "kernel-event-tracing",
        &["Microsoft-Windows-Kernel-EventTracing"],
    ),
    win("sense", &["Microsoft-Windows-SENSE/Operational"]),
    win(
        "servicebus-client",
        &[
            "Microsoft-ServiceBus-Client/Admin",
            "Microsoft-ServiceBus-Client/Operational",
        ],
    ),
    win(
        "iis-configuration",
        &["Microsoft-IIS-Configuration/Operational"],
    ),
];

/// Windows services SigmaHQ rules name that `tests/thor.yml` does not list
/// (so they are kept apart from [`SERVICES`], which reproduces it): the
/// channels pySigma's Windows pipeline and the rules' own `definition`
/// give them. `microsoft-servicebus-client` is the older name SigmaHQ
/// still uses for `servicebus-client` ("change to servicebus-client once
/// validators are up to date", its rule says).
pub const SERVICES_BEYOND_THOR: &[ServiceEntry] = &[
    win("dns-server", &["DNS Server"]),
    win(
        "dns-server-analytic",
        &["Microsoft-Windows-DNS-Server/Analytical"],
    ),
    win("dns-server-audit", &["Microsoft-Windows-DNS-Server/Audit"]),
    win(
        "driver-framework",
        &["Microsoft-Windows-DriverFrameworks-UserMode/Operational"],
    ),
    win(
        "microsoft-servicebus-client",
        &[
            "Microsoft-ServiceBus-Client/Admin",
            "Microsoft-ServiceBus-Client/Operational",
        ],
    ),
];

const fn linux(service: &'static str, channels: &'static [&'static str]) -> ServiceEntry {
    ServiceEntry {
        product: Some("linux"),
        service,
        channels,
    }
}

/// Not in thor.yml: the Sigma `linux` services of syslog and journal
/// messages. The syslog and journal readers name the service a message's
/// program belongs to as its channel (`sshd`, `sudo`, `cron`, `auth` for
/// other authentication programs and the auth facilities, `syslog` for
/// the rest: `sources::syslog::LinuxService`); a service reads the
/// channels whose messages land in its file. `auth` is `/var/log/auth.log`
/// (or `secure`): sshd, sudo, cron's PAM sessions and the other
/// authentication programs. `syslog` is every message: which of them a
/// distribution keeps out of `/var/log/syslog` is configuration, and a
/// hunt would rather search too much than too little.
pub const LINUX_SERVICES: &[ServiceEntry] = &[
    linux("sshd", &["sshd"]),
    linux("sudo", &["sudo"]),
    linux("cron", &["cron"]),
    linux("clamav", &["clamav"]),
    linux("vsftpd", &["vsftpd"]),
    linux("guacamole", &["guacamole"]),
    linux("auth", &["auth", "sshd", "sudo", "cron"]),
    linux(
        "syslog",
        &[
            "syslog",
            "auth",
            "sshd",
            "sudo",
            "cron",
            "clamav",
            "vsftpd",
            "guacamole",
        ],
    ),
];

const fn declared(
    product: Option<&'static str>,
    category: Option<&'static str>,
    service: Option<&'static str>,
) -> DeclaredEntry {
    DeclaredEntry {
        product,
        category,
        service,
        files: &[],
    }
}

/// Logsources that readers declare. The first five are thor.yml's file
/// sources; the rest (not in thor.yml) are what this project's readers
/// emit: auditd and Sysmon for Linux, Zeek logs, and the categories
/// Microsoft Defender for Endpoint tables map to on Windows.
pub const DECLARED: &[DeclaredEntry] = &[
    DeclaredEntry {
        files: &[
            "/var/log/apache/*.log",
            "/var/log/apache2/*.log",
            "/var/log/httpd/*.log",
        ],
        ..declared(None, Some("webserver"), None)
    },
    DeclaredEntry {
        files: &["/var/log/auth.log", "/var/log/auth.log.?"],
        ..declared(Some("linux"), None, Some("auth"))
    },
    DeclaredEntry {
        files: &["/var/log/syslog", "/var/log/syslog.?"],
        ..declared(Some("linux"), None, Some("syslog"))
    },
    DeclaredEntry {
        files: &["*.log"],
        ..declared(None, Some("logfile"), None)
    },
    DeclaredEntry {
        files: &["*.log"],
        ..declared(None, Some("appliance"), None)
    },
    declared(Some("linux"), Some("process_creation"), None),
    declared(Some("linux"), Some("network_connection"), None),
    declared(Some("linux"), Some("file_event"), None),
    declared(Some("linux"), None, Some("auditd")),
    declared(Some("macos"), Some("process_creation"), None),
    declared(Some("zeek"), None, Some("dns")),
    declared(Some("zeek"), None, Some("conn")),
    declared(Some("zeek"), None, Some("http")),
    declared(Some("zeek"), None, Some("ssl")),
    declared(None, Some("dns"), None),
    declared(None, Some("proxy"), None),
    declared(None, Some("firewall"), None),
];

/// Categories that name the same events from different vantage points.
/// Sigma has `dns` for DNS seen on the wire or by a resolver (Zeek,
/// Bind, Infoblox) and `dns_query` for DNS asked by an endpoint process
/// (Sysmon 22): an event a reader declares under one also reaches rules
/// written for the other, because the query name is the same fact. Rules
/// still filter by product, so a `product: windows` `dns_query` rule does
/// not see Zeek.
pub const EQUIVALENT_CATEGORIES: &[&[&str]] = &[&["dns", "dns_query"]];
