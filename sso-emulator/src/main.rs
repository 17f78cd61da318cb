//! `workos-emulator`: the WorkOS-compatible emulator as a server of its own, for local development and
//! tests of an app in any language (`cargo install --path sso-emulator`, or
//! `cargo run --example workos-emulator` in this repository).
//!
//! ```text
//! workos-emulator --port 4100 \
//!     [--host 127.0.0.1] [--redirect-uri URL]... [--auto-login first|EMAIL] \
//!     [--client-id ID] [--environment NAME] [--webhook URL=SECRET]...
//! ```
//!
//! It prints the base URL, the credentials and the environment lines for a WorkOS SDK, then serves until
//! Ctrl-C. `--help` also says how to simulate an IT admin removing a person in the identity provider.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use rocket_workos_sso_emulator::{
    AutoLogin, Connection, Emulator, EmulatorBuilder, EmulatorError, Seed, DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
};

const USAGE: &str = "usage: workos-emulator [--port PORT] [--host IP] [--redirect-uri URL]... [--auto-login first|EMAIL]
                      [--client-id ID] [--environment NAME] [--webhook URL=SECRET]...

  --port PORT          port to listen on (default 4100; 0 picks a free one)
  --host IP            address to listen on (default 127.0.0.1)
  --redirect-uri URL   allow another redirect URI (repeatable; localhost:8000/callback is always allowed)
  --auto-login MODE    skip the Test Identity Provider page: `first` user, or the user with this EMAIL
  --client-id ID       the client ID to accept instead of the seeded one
  --environment NAME   number every organization, connection and profile as the WorkOS environment
                       NAME would (same people, other ids), to run staging next to production
  --webhook URL=SECRET POST every event to URL (plain http://), signed with SECRET in the
                       WorkOS-Signature header as WorkOS signs webhooks (repeatable; the URL has no `=`)
  -h, --help           print this, the seeded credentials and directory, and exit";

/// How to play the identity provider's administrator, for `--help`.
const DEPROVISIONING: &str =
    "Simulating an IT admin who removes a person in the identity provider (Directory Sync):
  curl -X POST http://127.0.0.1:4100/__emulator/directory_users/deprovision \\
       -H 'Content-Type: application/json' -d '{\"email\": \"bob@example.com\"}'
  deactivates bob's directory user (state `inactive`) and emits `dsync.user.updated`;
  with `\"delete\": true` the directory user is removed and `dsync.user.deleted` is emitted.
  The answer is the event. Every event is listed by GET /events (API key as Bearer;
  `events=dsync.user.updated,dsync.user.deleted`, `after=<last event id processed>`) and POSTed
  to each --webhook, tried 3 times until it gets a 2xx. More endpoints at run time:
  POST /__emulator/webhooks {\"url\": \"http://127.0.0.1:3000/webhooks\", \"secret\": \"...\"}";

/// What the command line asks for.
enum Command {
    Serve(Box<EmulatorBuilder>),
    Help,
}

#[tokio::main]
async fn main() -> ExitCode {
    let builder = match parse(std::env::args().skip(1)) {
        Ok(Command::Serve(builder)) => *builder,
        Ok(Command::Help) => {
            print_help();
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("workos-emulator: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        // A redirect URI WorkOS would refuse, or a webhook URL the emulator cannot deliver to, is a bad
        // argument like any other.
        Err(
            error @ (EmulatorError::InvalidRedirectUri { .. }
            | EmulatorError::InvalidWebhook { .. }),
        ) => {
            eprintln!("workos-emulator: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("workos-emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&emulator);
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("workos-emulator: cannot wait for Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// The usage, then what every emulator is seeded with: credentials, organizations, connections, users.
fn print_help() {
    let seed = Seed::default();
    println!("{USAGE}");
    println!();
    println!("Seeded credentials (the same on every start):");
    println!("  client ID  {DEFAULT_CLIENT_ID}");
    println!("  API key    {DEFAULT_API_KEY}");
    println!();
    print_directory(&seed);
    println!();
    println!("{DEPROVISIONING}");
}

/// What the command line asks for, or what is wrong with it.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let (mut host, mut port) = (IpAddr::V4(Ipv4Addr::LOCALHOST), 4100);
    let mut builder = Emulator::builder();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--port" => {
                let value = value()?;
                port = value
                    .parse()
                    .map_err(|_| format!("--port: `{value}` is not a port number"))?;
            }
            "--host" => {
                let value = value()?;
                host = value
                    .parse()
                    .map_err(|_| format!("--host: `{value}` is not an IP address"))?;
            }
            "--redirect-uri" => builder = builder.redirect_uri(value()?),
            "--client-id" => {
                let value = value()?;
                if !value.starts_with("client_") && !value.starts_with("project_") {
                    return Err(format!(
                        "--client-id: `{value}` is not a WorkOS client ID (client_...)"
                    ));
                }
                builder = builder.client_id(value);
            }
            "--webhook" => {
                let value = value()?;
                let Some((url, secret)) = value.split_once('=') else {
                    return Err(format!("--webhook: expected URL=SECRET, got `{value}`"));
                };
                builder = builder.webhook(url, secret);
            }
            "--environment" => {
                let value = value()?;
                if value.is_empty() {
                    return Err("--environment needs a name".to_owned());
                }
                builder = builder.seed(Seed::default().for_environment(&value));
            }
            "--auto-login" => {
                builder = builder.auto_login(match value()? {
                    first if first == "first" => AutoLogin::FirstUser,
                    email if email.contains('@') => AutoLogin::Email(email),
                    other => {
                        return Err(format!(
                            "--auto-login: expected `first` or an email, got `{other}`"
                        ))
                    }
                });
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(Command::Serve(Box::new(
        builder.bind(SocketAddr::new(host, port)),
    )))
}

fn print_banner(emulator: &Emulator) {
    let base = emulator.base_url();
    println!("WorkOS emulator listening on {base}");
    println!();
    println!("  client ID  {}", emulator.client_id());
    println!("  API key    {}", emulator.api_key());
    println!();
    println!("Point a WorkOS SDK at it:");
    println!("  export WORKOS_BASE_URL={base}");
    println!("  export WORKOS_CLIENT_ID={}", emulator.client_id());
    println!("  export WORKOS_API_KEY={}", emulator.api_key());
    println!(
        "  (Node: new WorkOS({{ apiHostname: '{}', port: {}, https: false }}))",
        emulator.local_addr().ip(),
        emulator.local_addr().port()
    );
    println!();
    emulator.seed_with(|seed| print_directory(seed));
    println!();
    println!("Ctrl-C to stop.");
}

fn print_directory(seed: &Seed) {
    println!("Seeded organizations (organization=ID) and users:");
    for org in &seed.organizations {
        println!("  {}  {} ({})", org.id, org.name, org.domains.join(", "));
        for directory in seed
            .directories
            .iter()
            .filter(|directory| directory.organization_id == org.id)
        {
            let users: Vec<String> = seed
                .directory_users
                .iter()
                .filter(|user| user.directory_id == directory.id)
                .map(|user| format!("{} [{}]", user.email, user.state))
                .collect();
            println!(
                "    {}  directory `{}`  {}",
                directory.id,
                directory.directory_type,
                users.join(", ")
            );
        }
        for connection in seed
            .connections
            .iter()
            .filter(|connection| connection.organization_id.as_deref() == Some(&org.id))
        {
            print_connection(seed, connection);
        }
    }
    println!("  providers (provider=TYPE):");
    for connection in seed
        .connections
        .iter()
        .filter(|connection| connection.organization_id.is_none())
    {
        print_connection(seed, connection);
    }
}

fn print_connection(seed: &Seed, connection: &Connection) {
    let users: Vec<&str> = seed
        .users_of(&connection.id)
        .map(|user| user.email.as_str())
        .collect();
    println!(
        "    {}  {} [{}]  {}",
        connection.id,
        connection.connection_type,
        connection.state.as_str(),
        users.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn help_is_a_command_not_an_error() {
        for flag in ["-h", "--help"] {
            assert!(matches!(parse_args(&[flag]), Ok(Command::Help)), "{flag}");
            assert!(matches!(
                parse_args(&["--port", "0", flag]),
                Ok(Command::Help)
            ));
        }
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let error = |args: &[&str]| parse_args(args).err().unwrap_or_default();
        assert_eq!(error(&["--bogus"]), "unknown option `--bogus`");
        assert_eq!(error(&["--port", "x"]), "--port: `x` is not a port number");
        assert_eq!(error(&["--port"]), "--port needs a value");
        assert_eq!(
            error(&["--client-id", "org_1"]),
            "--client-id: `org_1` is not a WorkOS client ID (client_...)"
        );
        assert_eq!(error(&["--environment", ""]), "--environment needs a name");
        assert!(matches!(
            parse_args(&["--client-id", "client_01A", "--environment", "staging"]),
            Ok(Command::Serve(_))
        ));
        assert!(matches!(
            parse_args(&["--port", "0", "--auto-login", "first"]),
            Ok(Command::Serve(_))
        ));
        assert_eq!(
            error(&["--webhook", "http://127.0.0.1:3000/hooks"]),
            "--webhook: expected URL=SECRET, got `http://127.0.0.1:3000/hooks`"
        );
        assert!(matches!(
            parse_args(&["--webhook", "http://127.0.0.1:3000/hooks=whsec_a=b"]),
            Ok(Command::Serve(_))
        ));
    }
}
