//! Panes whose issues have not landed yet say so plainly.

use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let what = "The egress block log (live tail of system.access.outbound_network) is coming.";
    super::message(
        frame,
        area,
        state.view.title(),
        &format!("{what}\n\nMeanwhile: :ws workspaces, :np network policies, :ctx profiles."),
    );
}
