; Inno Setup 6 script for SFA Desktop on Windows (packaging/README.md, "Windows").  Not run here: this
; project's machines are Linux; built on Windows with
;   iscc /DAppVersion=0.1.0 packaging\windows\sfa-desktop.iss
; from the repository root after `pyinstaller packaging\sfa-desktop.spec`, then signed with signtool.
#ifndef AppVersion
  #error Pass /DAppVersion=<version> (sfa_desktop.__version__)
#endif

[Setup]
; Never change AppId: upgrades find the installed copy by it
AppId={{6E0C4B7E-2F0B-4C53-9C1E-5A4F1D2B8E31}
AppName=SFA Desktop
AppVersion={#AppVersion}
AppPublisher=SFA Desktop team
DefaultDirName={autopf}\SFA Desktop
DefaultGroupName=SFA Desktop
; Per-user install without admin rights by default (reps rarely have them); device management installs
; for all users with /ALLUSERS.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=sfa-desktop-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\sfa-desktop.exe
; The app's data folder (%LOCALAPPDATA%\sfa-desktop) is not the installer's: never listed, never removed.
ChangesEnvironment=yes
ChangesAssociations=yes

[Files]
Source: "..\..\dist\sfa-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle whole: modules a newer version dropped must not linger
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\SFA Desktop"; Filename: "{app}\sfa-desktop.exe"
Name: "{autodesktop}\SFA Desktop"; Filename: "{app}\sfa-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked
Name: "path"; Description: "Put the sfa command on PATH"

[Registry]
; `sfa` on PATH: the install folder appended to the user's (or, for all users, the machine's) Path
Root: HKA; Subkey: "{code:EnvKey}"; ValueType: expandsz; ValueName: "Path"; \
    ValueData: "{olddata};{app}"; Tasks: path; Check: NeedsAddPath(ExpandConstant('{app}'))
; .vcf and .csv: SFA Desktop in "Open with" (never the default program: a .csv is Excel's), starting the
; window with the import dialog on the file (`sfa-desktop FILE`); removed with the app
Root: HKA; Subkey: "Software\Classes\SFADesktop.Import"; ValueType: string; ValueName: ""; \
    ValueData: "Contacts to import into SFA Desktop"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SFADesktop.Import\DefaultIcon"; ValueType: string; ValueName: ""; \
    ValueData: "{app}\sfa-desktop.exe,0"
Root: HKA; Subkey: "Software\Classes\SFADesktop.Import\shell\open\command"; ValueType: string; ValueName: ""; \
    ValueData: """{app}\sfa-desktop.exe"" ""%1"""
Root: HKA; Subkey: "Software\Classes\.vcf\OpenWithProgids"; ValueType: string; ValueName: "SFADesktop.Import"; \
    ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.csv\OpenWithProgids"; ValueType: string; ValueName: "SFADesktop.Import"; \
    ValueData: ""; Flags: uninsdeletevalue

[Code]
function EnvKey(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function NeedsAddPath(Dir: String): Boolean;
var
  Paths: String;
begin
  if not RegQueryStringValue(HKA, EnvKey(''), 'Path', Paths) then
    Paths := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Paths, Dir: String;
  P: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  if not RegQueryStringValue(HKA, EnvKey(''), 'Path', Paths) then
    exit;
  Dir := ExpandConstant('{app}');
  P := Pos(';' + Uppercase(Dir), Uppercase(Paths));
  if P > 0 then
  begin
    Delete(Paths, P, Length(Dir) + 1);
    RegWriteExpandStringValue(HKA, EnvKey(''), 'Path', Paths);
  end;
end;
