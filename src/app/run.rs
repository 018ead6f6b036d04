//! The event loop: terminal input, actor events and a timer, multiplexed with `select!`.
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

pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    actor: ActorHandle,
    mut events: UnboundedReceiver<ActorEvent>,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut input = EventStream::new();
    let mut last_tick = Instant::now();
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .wrap_err("installing the SIGTERM handler")?;
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
            return Ok(());
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
        let sigterm = term.recv();
        #[cfg(not(unix))]
        let sigterm = std::future::pending::<Option<()>>();

        tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => app.handle_event(ev),
                Some(Err(e)) => return Err(e).wrap_err("reading the terminal"),
                None => return Ok(()),
            },
            Some(ev) = events.recv() => {
                app.handle_actor_event(ev);
                // Drain whatever else arrived so a burst costs one frame, not one each.
                while let Ok(ev) = events.try_recv() {
                    app.handle_actor_event(ev);
                }
            }
            _ = sleep => {
                last_tick = Instant::now();
                app.state.spinner = app.state.spinner.wrapping_add(1);
                app.dirty = true;
            }
            _ = sigterm => return Ok(()),
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
