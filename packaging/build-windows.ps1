# Build roomdesk for Windows: PyInstaller one-folder app in dist\roomdesk\, its self-test, then
# the per-user installer dist\roomdesk-<version>-windows-x64-setup.exe (Inno Setup 6).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build-windows.ps1 [-Python py] [-SkipSelfTest]
#
# Needs Python 3.11+ (python.org or the Microsoft Store) and Inno Setup 6 (ISCC.exe on PATH or in
# its default folder; e.g. winget install JRSoftware.InnoSetup). PyPI packages come from
# packaging\requirements-build.txt into the build venv (default build\venv).
param(
    [string]$Python = "python",
    [string]$BuildVenv = "build\venv",
    [switch]$SkipSelfTest
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$RepoRoot = Split-Path -Parent $PSScriptRoot
Set-Location $RepoRoot

function Invoke-Checked([string]$File, [string[]]$Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Step([string]$Text) { Write-Host "`n== $Text" }

$Version = (& $Python packaging\project_info.py version).Trim()
$WindowsVersion = (& $Python packaging\project_info.py windows-version).Trim()
$VenvPython = Join-Path $BuildVenv "Scripts\python.exe"

Step "Build venv $BuildVenv"
if (-not (Test-Path $VenvPython)) {
    Invoke-Checked $Python @("-m", "venv", $BuildVenv)
    Invoke-Checked $VenvPython @("-m", "pip", "install", "--quiet", "--upgrade", "pip")
}
# roomdesk's dependencies and metadata; PyInstaller reads roomdesk's code from the checkout.
Invoke-Checked $VenvPython @("-m", "pip", "install", "--quiet", "-r", "packaging\requirements-build.txt", ".")

Step "PyInstaller"
if (Test-Path dist\roomdesk) { Remove-Item -Recurse -Force dist\roomdesk }
Invoke-Checked (Join-Path $BuildVenv "Scripts\pyinstaller.exe") @(
    "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build\pyinstaller", "packaging\roomdesk.spec")
$AppExe = Join-Path $RepoRoot "dist\roomdesk\roomdesk.exe"
if (-not (Test-Path $AppExe)) { throw "PyInstaller did not produce $AppExe" }

# A windowed exe has no console to print to: the report also goes to a file, and Start-Process
# waits for the exit code (a GUI program started directly would not be waited for).
function Test-Frozen([string]$Exe) {
    $report = Join-Path ([System.IO.Path]::GetTempPath()) "roomdesk-self-test-$PID.txt"
    $env:ROOMDESK_SELF_TEST_REPORT = $report
    try {
        $process = Start-Process -FilePath $Exe -ArgumentList "--self-test" -Wait -PassThru -NoNewWindow
    } finally {
        Remove-Item Env:ROOMDESK_SELF_TEST_REPORT
    }
    if (Test-Path $report) { Get-Content $report; Remove-Item $report }
    if ($process.ExitCode -ne 0) { throw "$Exe --self-test failed (exit $($process.ExitCode))" }
}

if (-not $SkipSelfTest) {
    Step "Self-test of dist\roomdesk"
    Test-Frozen $AppExe
}

Step "Inno Setup"
$Iscc = $null
$OnPath = Get-Command ISCC.exe -ErrorAction SilentlyContinue
if ($OnPath) { $Iscc = $OnPath.Source }
if (-not $Iscc) {
    foreach ($candidate in @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe", "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe")) {
        if (Test-Path $candidate) { $Iscc = $candidate; break }
    }
}
if (-not $Iscc) { throw "ISCC.exe (Inno Setup 6) not found: install it, e.g. winget install JRSoftware.InnoSetup" }
Invoke-Checked $Iscc @(
    "/Qp", "/DAppVersion=$Version", "/DWindowsVersion=$WindowsVersion",
    "/DBundleDir=$RepoRoot\dist\roomdesk", "/DOutputDir=$RepoRoot\dist",
    "packaging\windows\roomdesk.iss")

$Installer = Join-Path $RepoRoot "dist\roomdesk-$Version-windows-x64-setup.exe"
if (-not (Test-Path $Installer)) { throw "Inno Setup did not produce $Installer" }
Step "Done"
Get-Item $Installer | Format-Table Name, Length
