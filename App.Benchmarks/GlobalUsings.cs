// The core's namespaces, which nearly every file uses: a folder per concern, one import list.
global using NasDash.Configuration;
global using NasDash.Sessions;
global using NasDash.Security.Accounts;
global using NasDash.Security.Administration;
global using NasDash.Security.Api;
global using NasDash.Security.Enrolment;
global using NasDash.Security.Ledger;
global using NasDash.Security.Notices;
global using NasDash.Security.SecurityKeys;
global using NasDash.Security.SignIn;
global using NasDash.Security.Ssh;
global using NasDash.Security.Records;
global using NasDash.Security.Reports;
