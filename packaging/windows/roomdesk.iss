; Inno Setup 6 script for roomdesk: a per-user install, no administrator rights needed.
; packaging\build-windows.ps1 compiles it after PyInstaller, passing the version from
; pyproject.toml:
;   ISCC.exe /DAppVersion=0.1.0 /DWindowsVersion=0.1.0.0 /DBundleDir=<repo>\dist\roomdesk
;            /DOutputDir=<repo>\dist packaging\windows\roomdesk.iss
; It installs to %LOCALAPPDATA%\Programs\roomdesk with a Start-menu entry and an uninstaller
; (Settings > Apps). The rooms, settings and log in %LOCALAPPDATA%\roomdesk and %APPDATA%\roomdesk
; are the person's data and stay when roomdesk is uninstalled.

#ifndef AppVersion
  #error Define AppVersion (ISCC /DAppVersion=x.y.z); packaging\build-windows.ps1 does.
#endif
#ifndef WindowsVersion
  #define WindowsVersion AppVersion
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\roomdesk"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#define AppName "roomdesk"
#define AppExe "roomdesk.exe"

[Setup]
; Never change AppId: it is how an update finds the installed copy.
AppId={{46F96A89-A68B-4143-8A7B-B932F229EA0B}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=roomdesk developers
AppComments=Create and manage Whereby video rooms
VersionInfoVersion={#WindowsVersion}
VersionInfoProductVersion={#WindowsVersion}
; Per user: Inno Setup runs unelevated and {autoprograms} is the person's own Start menu.
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 supports Windows 10 (1809) and later.
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\app\roomdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; Close a running roomdesk (Restart Manager) before its files are replaced or removed.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An update replaces the whole bundle, so no file of an older version lingers beside the new one.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Create and manage Whereby video rooms"
Name: "{autoprograms}\{#AppName} (demo mode)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder; the person's rooms and settings live elsewhere and are kept.
Type: filesandordirs; Name: "{app}"
