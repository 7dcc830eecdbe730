use std::process::ExitCode;

use clap::Parser;
use server::{
    cli::{self, Cli, Command},
    config::{self, Settings},
    startup::{check_site_assets, leptos_options_from_env, Application},
    telemetry,
};

/// Request handling allocates on one thread and frees on another (a request's buffers go to
/// the writer thread and back); glibc's allocator paid for that in arena locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let workers = match config::worker_threads(|k| std::env::var(k).ok()) {
        Ok(n) => n,
        Err(err) => {
            eprintln!("callsnare: config error: {err}");
            return ExitCode::from(2);
        }
    };
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(err) => {
            eprintln!("callsnare: could not start the runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Simulate {
            command:
                cli::SimulateCommand::MissedCall {
                    to,
                    from,
                    reply,
                    server,
                },
        } => {
            let settings = match Settings::from_process_env() {
                Ok(s) => s,
                Err(err) => {
                    eprintln!("callsnare: config error: {err}");
                    return ExitCode::from(2);
                }
            };
            match server::simulate::missed_call(
                &settings,
                server::simulate::MissedCall {
                    to,
                    from,
                    reply,
                    server,
                },
            )
            .await
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(line) => {
                    eprintln!("callsnare: error: {line}");
                    ExitCode::FAILURE
                }
            }
        }
        admin => {
            let database_url = std::env::var("DATABASE_URL")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| config::DEFAULT_DATABASE_URL.to_owned());
            match cli::run_admin(&database_url, admin).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    match &err {
                        // what the command checks for is broken: that is its answer
                        cli::CommandError::Broken(line) => println!("{line}"),
                        cli::CommandError::Failed(line) | cli::CommandError::Usage(line) => {
                            eprintln!("callsnare: error: {line}")
                        }
                    }
                    ExitCode::from(err.exit_code())
                }
            }
        }
    }
}

async fn serve() -> ExitCode {
    let settings = match Settings::from_process_env() {
        Ok(s) => s,
        Err(err) => {
            eprintln!("callsnare: config error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    if settings.live {
        tracing::info!("live integration mode: provider signatures are enforced");
    } else {
        tracing::warn!("{}", settings.sandbox_warning());
    }
    let leptos_options = leptos_options_from_env();
    if let Err(line) = check_site_assets(&leptos_options) {
        eprintln!("callsnare: start-up failed: {line}");
        return ExitCode::FAILURE;
    }
    let app = match Application::build(settings, leptos_options).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("callsnare: start-up failed: {}", cli::error_line(err.as_ref()));
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(addr = %app.local_addr(), "CallSnare listening");
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error.message = %err, "server stopped with an error");
            ExitCode::FAILURE
        }
    }
}
