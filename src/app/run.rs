//! The event loop: terminal input, actor events, a timer and the signals that end the process,
//! multiplexed with `select!`.
//!
//! It never awaits the network. It draws only when something changed, and wakes on a timer only
//! when something on screen changes by itself ([`App::next_tick`]), so an idle console uses no
//! CPU. However fast answers arrive, it handles a bounded slice of them between two frames
//! (at most [`EVENTS_PER_FRAME`] or [`FRAME_BUDGET`] of work), and a key waiting in the terminal
//! goes before any further answer, so the screen keeps up with the keyboard.

use super::App;
use crate::actor::{ActorEvent, ActorHandle};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc::UnboundedReceiver;

/// Actor answers handled at most between two frames.
pub const EVENTS_PER_FRAME: usize = 64;
/// Time spent on actor answers at most between two frames: with a frame's drawing, well under
/// the 16 ms of a 60 Hz screen.
pub const FRAME_BUDGET: Duration = Duration::from_millis(8);

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
    app: App,
    actor: ActorHandle,
    events: UnboundedReceiver<ActorEvent>,
) -> Result<Exit>
where
    B::Error: Send + Sync + 'static,
{
    run_with(terminal, app, actor, events, EventStream::new()).await
}

/// [`run`] with the terminal's input as any stream of events (a benchmark or test feeds keys
/// through a channel and draws to a test backend; everything else is the same loop).
pub async fn run_with<B, I>(
    terminal: &mut Terminal<B>,
    mut app: App,
    actor: ActorHandle,
    mut events: UnboundedReceiver<ActorEvent>,
    mut input: I,
) -> Result<Exit>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut last_spin = Instant::now();
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
        let now = SystemTime::now();
        let animating = app.animating(now);
        let wait = if animating {
            Some(super::tick::SPINNER_TICK.saturating_sub(last_spin.elapsed()))
        } else {
            app.next_tick(now)
        };
        let sleep = async move {
            match wait {
                Some(d) => tokio::time::sleep(d).await,
                // Nothing on screen changes by itself: no timer at all.
                None => std::future::pending::<()>().await,
            }
        };

        #[cfg(unix)]
        let signal = signals.recv();
        #[cfg(not(unix))]
        let signal = std::future::pending::<i32>();

        tokio::select! {
            // First: a hang-up also ends the input stream, and the signal is the better report.
            // Then keys, before any further answer.
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
                let started = Instant::now();
                app.handle_actor_event(ev);
                // A burst costs one frame, not one each; but only a bounded slice of it, so the
                // next frame (and any key) comes within the budget whatever keeps arriving.
                let mut handled = 1;
                while handled < EVENTS_PER_FRAME && started.elapsed() < FRAME_BUDGET {
                    let Ok(ev) = events.try_recv() else { break };
                    app.handle_actor_event(ev);
                    handled += 1;
                }
            }
            () = sleep => {
                app.refresh_if_due(SystemTime::now());
                if animating {
                    last_spin = Instant::now();
                    app.state.spinner = app.state.spinner.wrapping_add(1);
                }
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
