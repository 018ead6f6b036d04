//! The event loop: terminal input, actor events, a timer and the signals that end the process,
//! multiplexed with `select!`.
//!
//! It never awaits the network. It draws only when something changed, and ticks only while
//! something animates, so an idle console uses no CPU.

use super::App;
use crate::actor::{ActorEvent, ActorHandle};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::EventStream;
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc::UnboundedReceiver;

/// Spinner and clock refresh while requests are in flight.
const TICK: Duration = Duration::from_millis(120);
/// With nothing in flight, refresh the clock (token expiry countdown) this often.
const IDLE_TICK: Duration = Duration::from_secs(30);

/// How the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A signal asked the process to stop (its number); the caller restores the terminal,
    /// flushes the log and exits with 128 + the number, as a shell reports a death by signal.
    Signal(i32),
}

impl Exit {
    /// The process exit status this ending reports.
    pub fn code(self) -> i32 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(n) => 128 + n,
        }
    }
}

/// The signals that end the console cleanly: SIGTERM (kill, systemd), SIGHUP (the SSH session
/// or terminal tab closed) and SIGQUIT (ctrl-\ outside raw mode, or sent). Their default action
/// kills the process on the spot, leaving the terminal in raw mode and the log unflushed.
#[cfg(unix)]
struct Signals(Vec<(i32, tokio::signal::unix::Signal)>);

#[cfg(unix)]
impl Signals {
    fn install() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut out = Vec::new();
        for (kind, name) in [
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
            (SignalKind::quit(), "SIGQUIT"),
        ] {
            let s = signal(kind).wrap_err_with(|| format!("installing the {name} handler"))?;
            out.push((kind.as_raw_value(), s));
        }
        Ok(Self(out))
    }

    /// The number of the next signal to arrive.
    async fn recv(&mut self) -> i32 {
        let waits = self.0.iter_mut().map(|(n, s)| {
            let n = *n;
            Box::pin(async move {
                s.recv().await;
                n
            })
        });
        futures::future::select_all(waits).await.0
    }
}

pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    actor: ActorHandle,
    mut events: UnboundedReceiver<ActorEvent>,
) -> Result<Exit>
where
    B::Error: Send + Sync + 'static,
{
    let mut input = EventStream::new();
    let mut last_tick = Instant::now();
    #[cfg(unix)]
    let mut signals = Signals::install()?;
    if let Ok(size) = terminal.size() {
        app.state.size = (size.width, size.height);
    }

    loop {
        if let Some(secret) = app.take_clipboard() {
            copy_to_clipboard(secret);
        }
        for cmd in app.take_commands() {
            if !actor.try_send(cmd) {
                app.state.flash = Some("busy: too many requests queued, try again".into());
                app.dirty = true;
            }
        }
        if app.should_quit {
            return Ok(Exit::Quit);
        }
        if app.dirty {
            app.state.now = SystemTime::now();
            let started = Instant::now();
            terminal
                .draw(|frame| crate::ui::render(&app.state, frame))
                .wrap_err("drawing the screen")?;
            tracing::trace!(micros = started.elapsed().as_micros() as u64, "frame");
            app.dirty = false;
        }
        let tick = if app.needs_tick() { TICK } else { IDLE_TICK };
        let sleep = tokio::time::sleep(tick.saturating_sub(last_tick.elapsed()));

        #[cfg(unix)]
        let signal = signals.recv();
        #[cfg(not(unix))]
        let signal = std::future::pending::<i32>();

        tokio::select! {
            // First: a hang-up also ends the input stream, and the signal is the better report.
            biased;
            n = signal => {
                tracing::info!(signal = n, "stopping on a signal");
                return Ok(Exit::Signal(n));
            }
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => app.handle_event(ev),
                Some(Err(e)) => return Err(e).wrap_err("reading the terminal"),
                None => return Ok(Exit::Quit),
            },
            Some(ev) = events.recv() => {
                app.handle_actor_event(ev);
                // Drain whatever else arrived so a burst costs one frame, not one each.
                while let Ok(ev) = events.try_recv() {
                    app.handle_actor_event(ev);
                }
            }
            () = sleep => {
                last_tick = Instant::now();
                app.state.spinner = app.state.spinner.wrapping_add(1);
                app.dirty = true;
            }
        }
    }
}

/// OSC 52: the terminal puts the text on the clipboard (also over SSH). Written straight to the
/// terminal, never logged; the secret is dropped right after.
fn copy_to_clipboard(secret: crate::config::Secret) {
    use std::io::Write;
    let seq = super::principals::osc52(secret.expose());
    let mut out = std::io::stdout();
    if out
        .write_all(seq.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        tracing::warn!("could not write the clipboard sequence to the terminal");
    }
}
