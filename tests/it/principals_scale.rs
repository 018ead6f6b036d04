//! The principals list at scale, for correctness (speed lives in `benches/`): pages arriving in
//! any order are shown as they come and end sorted right, a filter typed mid-load applies to the
//! rows that arrive after it, a sort changed mid-load applies when the load ends, a load asks
//! for the secrets of the rows finally on screen only,
//! and an idle console asks for no timer.

use crate::support;

use crate::support::{Harness, quiet_emulator};
use dbx_tui::actor::{
    ActorEvent, Command, EgressSlot, Payload, PrincipalsPayload, PrincipalsSlot, RequestId, Slot,
};
use dbx_tui::api::scim::ServicePrincipal;
use dbx_tui::app::state::{Load, View};
use dbx_tui::emulator::{Emulator, EmulatorOptions};
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

fn sp(i: usize) -> ServicePrincipal {
    // Mixed case and a permuted numbering, so neither arrival order nor byte order is the
    // case-insensitive name order.
    let n = (i * 7919) % 1000;
    let word = ["Zeta", "alpha", "Beta", "gamma", "ALPHA"][i % 5];
    serde_json::from_value(serde_json::json!({
        "id": format!("{}", 5_000_000 + (i * 104_729) % 1_000_003),
        "displayName": format!("{word}-{n:04}"),
        "applicationId": format!("app-{:04}", (i * 31) % 1000),
        "active": !i.is_multiple_of(3),
    }))
    .unwrap()
}

/// `:sp` with the list request kept from the actor: the test plays the pages.
async fn intercepted_list(emu: &Emulator) -> (Harness, RequestId) {
    let mut h = Harness::new(emu).await;
    h.type_keys(":sp\n");
    let id = h
        .app
        .take_commands()
        .into_iter()
        .find_map(|c| match c {
            Command::Send {
                id,
                slot: Slot::Principals(PrincipalsSlot::List),
                ..
            } => Some(id),
            _ => None,
        })
        .expect("no list request");
    (h, id)
}

fn page(h: &mut Harness, id: RequestId, rows: Vec<ServicePrincipal>, done: bool) {
    let n = h.app.state.principals.rows.len() + rows.len();
    h.app.handle_actor_event(ActorEvent::Response {
        id,
        payload: Payload::Principals(PrincipalsPayload::Page {
            rows,
            loaded: n,
            total: Some(1000),
            done,
        }),
    });
}

fn visible_ids(h: &Harness) -> Vec<String> {
    let p = &h.app.state.principals;
    p.list.shown(|i| p.rows[i].id.clone())
}

fn sorted_ids(rows: &[ServicePrincipal], key: impl Fn(&ServicePrincipal) -> String) -> Vec<String> {
    let mut v: Vec<&ServicePrincipal> = rows.iter().collect();
    v.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id)));
    v.into_iter().map(|s| s.id.clone()).collect()
}

#[tokio::test]
async fn pages_in_any_order_show_as_they_come_and_end_sorted() {
    let emu = quiet_emulator().await;
    let (mut h, id) = intercepted_list(&emu).await;
    let all: Vec<ServicePrincipal> = (0..1000).map(sp).collect();
    // Ten pages, delivered out of order (concurrent page fetches finish in any order).
    let order = [3, 0, 7, 1, 9, 4, 2, 8, 6, 5];
    let mut arrived: Vec<String> = Vec::new();
    for (k, &pg) in order.iter().enumerate() {
        let rows = all[pg * 100..(pg + 1) * 100].to_vec();
        arrived.extend(rows.iter().map(|r| r.id.clone()));
        page(&mut h, id, rows, false);
        if k == 2 {
            // Mid-load the rows are shown in arrival order: nothing already loaded is re-sorted
            // per page.
            assert_eq!(visible_ids(&h), arrived);
            h.assert_shows("in arrival order");
        }
    }
    page(&mut h, id, Vec::new(), true);
    assert_eq!(h.app.state.principals.load, Load::Loaded);
    // Case-insensitive name, ties by id.
    assert_eq!(
        visible_ids(&h),
        sorted_ids(&all, |s| s.name().to_lowercase())
    );
    assert!(!h.screen().contains("in arrival order"));
    // The other columns sort right too, and `O` flips the order.
    h.type_keys("o");
    assert_eq!(
        visible_ids(&h),
        sorted_ids(&all, |s| s.application_id.clone().unwrap_or_default())
    );
    h.type_keys("O");
    assert_eq!(visible_ids(&h), by_application_id_descending(all.iter()));
}

#[tokio::test]
async fn a_filter_typed_mid_load_applies_to_rows_arriving_after_it() {
    let emu = quiet_emulator().await;
    let (mut h, id) = intercepted_list(&emu).await;
    let all: Vec<ServicePrincipal> = (0..1000).map(sp).collect();
    page(&mut h, id, all[..300].to_vec(), false);
    h.type_keys("/alpha-0");
    let want = |rows: &[ServicePrincipal], needle: &str| -> HashSet<String> {
        rows.iter()
            .filter(|s| s.name().to_lowercase().contains(needle))
            .map(|s| s.id.clone())
            .collect()
    };
    let shown = |h: &Harness| visible_ids(h).into_iter().collect::<HashSet<_>>();
    assert_eq!(shown(&h), want(&all[..300], "alpha-0"));
    page(&mut h, id, all[300..700].to_vec(), false);
    assert_eq!(shown(&h), want(&all[..700], "alpha-0"));
    // Narrowing and widening the filter mid-load.
    h.type_keys("1");
    assert_eq!(shown(&h), want(&all[..700], "alpha-01"));
    h.key(crossterm::event::KeyCode::Backspace);
    h.key(crossterm::event::KeyCode::Backspace);
    assert_eq!(shown(&h), want(&all[..700], "alpha-"));
    h.type_keys("0\n");
    page(&mut h, id, all[700..].to_vec(), false);
    page(&mut h, id, Vec::new(), true);
    let got = visible_ids(&h);
    assert_eq!(
        got.iter().cloned().collect::<HashSet<_>>(),
        want(&all, "alpha-0")
    );
    // Still in sort order once loaded.
    let expected: Vec<String> = sorted_ids(&all, |s| s.name().to_lowercase())
        .into_iter()
        .filter(|i| want(&all, "alpha-0").contains(i))
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn a_sort_change_while_pages_arrive_ends_right() {
    let emu = quiet_emulator().await;
    let (mut h, id) = intercepted_list(&emu).await;
    let all: Vec<ServicePrincipal> = (0..1000).map(sp).collect();
    let order = [6, 2, 9, 0, 4, 7, 1, 3, 8, 5];
    // The rows the filter `app-00` keeps (no name or id holds that text).
    let app00: HashSet<String> = all
        .iter()
        .filter(|s| {
            s.application_id
                .as_deref()
                .is_some_and(|a| a.starts_with("app-00"))
        })
        .map(|s| s.id.clone())
        .collect();
    assert!(app00.len() > 50 && app00.len() < 200);
    let mut arrived: Vec<String> = Vec::new();
    for (k, &pg) in order.iter().enumerate() {
        let rows = all[pg * 100..(pg + 1) * 100].to_vec();
        arrived.extend(rows.iter().map(|r| r.id.clone()));
        page(&mut h, id, rows, false);
        match k {
            // By application id, then descending, then a filter: each mid-load.
            1 => h.type_keys("o"),
            3 => h.type_keys("O"),
            5 => h.type_keys("/app-00\n"),
            _ => {}
        }
        if k >= 1 {
            // Mid-load a sort change re-sorts nothing: the rows stay in arrival order (a sort
            // of every row loaded so far per key would be undone by the next page), and the
            // title says the load's end sorts them.
            let want: Vec<String> = arrived
                .iter()
                .filter(|i| k < 5 || app00.contains(*i))
                .cloned()
                .collect();
            assert_eq!(visible_ids(&h), want, "after page {k}");
            assert!(h.screen().contains("in arrival order"), "{}", h.screen());
        }
    }
    page(&mut h, id, Vec::new(), true);
    assert_eq!(h.app.state.principals.load, Load::Loaded);
    assert!(!h.screen().contains("in arrival order"));
    // The end: by application id descending (ties by id ascending), filtered.
    assert_eq!(
        visible_ids(&h),
        by_application_id_descending(all.iter().filter(|s| app00.contains(&s.id)))
    );
    // Settled: the filter widened back (`app-0`, which every row holds) and the order flipped
    // again agree with a plain sort of every row.
    h.key(crossterm::event::KeyCode::Char('/'));
    h.key(crossterm::event::KeyCode::Backspace);
    h.key(crossterm::event::KeyCode::Enter);
    h.type_keys("O");
    assert_eq!(
        visible_ids(&h),
        sorted_ids(&all, |s| s.application_id.clone().unwrap_or_default())
    );
}

#[tokio::test]
async fn a_load_reads_secrets_only_of_the_rows_finally_on_screen() {
    let emu = support::emulator_with(EmulatorOptions {
        generated_service_principals: 3_000,
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..Default::default()
    })
    .await;
    let acc = support::aws_account(&emu).account_id;
    let mut h = Harness::new(&emu).await;
    let secrets_path = format!("/api/2.0/accounts/{acc}/servicePrincipals/");
    let before = emu.handle().request_count(&secrets_path);
    h.keys(":sp\n").await;
    let p = &h.app.state.principals;
    assert_eq!(p.load, Load::Loaded);
    assert_eq!(p.rows.len(), 3_150);
    let page = h.app.state.page_rows();
    let on_screen: HashSet<&str> = p.list.visible[p.list.offset..p.list.offset + page]
        .iter()
        .map(|&i| p.rows[i].id.as_str())
        .collect();
    let fetched: HashSet<&str> = p.secrets.keys().map(String::as_str).collect();
    assert_eq!(fetched, on_screen, "secrets read for rows never shown");
    let requests = emu.handle().request_count(&secrets_path) - before;
    assert!(
        requests <= on_screen.len(),
        "{requests} secrets requests for {} rows on screen",
        on_screen.len()
    );
}

#[tokio::test]
async fn nothing_pending_asks_for_no_timer_and_an_idle_tail_is_not_pending() {
    let emu = quiet_emulator().await;
    let mut h = Harness::new(&emu).await;
    // The screen's clock, as the event loop keeps it; the view read as of now.
    h.app.state.now = SystemTime::now();
    h.keys("r").await;
    // A connected console, nothing in flight, no countdown on screen: the only timer is the
    // live view's background read, half a minute away (no spinner, no per-second wake).
    h.app.state.session.as_mut().unwrap().expires_at = None;
    let now = SystemTime::now();
    assert!(h.app.state.in_flight.is_empty());
    assert!(!h.app.animating(now));
    let only_the_refresh = |d: Option<Duration>| d.is_none_or(|d| d >= Duration::from_secs(25));
    assert!(
        only_the_refresh(h.app.next_tick(now)),
        "{:?}",
        h.app.next_tick(now)
    );

    // The egress tail: the spinner runs during the first poll only.
    h.type_keys(":egress\n");
    h.until("the first poll", |a| a.state.egress.last_poll_ms.is_some())
        .await;
    let now = SystemTime::now();
    assert!(
        h.app
            .state
            .in_flight
            .values()
            .any(|(s, _)| *s == Slot::Egress(EgressSlot::Tail)),
        "the tail is still running"
    );
    assert!(
        !h.app.animating(now),
        "waiting between polls is not pending"
    );
    // It wakes for what it shows ("polled … ago"), not for a spinner.
    let wake = h.app.next_tick(now).unwrap();
    assert!(wake >= Duration::from_millis(500), "{wake:?}");
    // The clock alone never makes it pending: only the actor's word that a poll started does.
    let due = now + h.app.state.egress.interval + Duration::from_millis(1);
    assert!(!h.app.animating(due));

    // Leaving the pane stops the tail: nothing left to wake for.
    h.keys(":ws\n").await;
    assert_eq!(h.app.state.view, View::Workspaces);
    // (The tail's workspace token may have refreshed the session's countdown.)
    h.app.state.session.as_mut().unwrap().expires_at = None;
    let now = SystemTime::now();
    assert!(h.app.state.in_flight.is_empty());
    assert!(
        only_the_refresh(h.app.next_tick(now)),
        "{:?}",
        h.app.next_tick(now)
    );
}

/// The ids of `rows` by application id descending, ties by id ascending (the app's `O` on that
/// column).
fn by_application_id_descending<'a>(
    rows: impl Iterator<Item = &'a ServicePrincipal>,
) -> Vec<String> {
    let mut rows: Vec<&ServicePrincipal> = rows.collect();
    rows.sort_by(|a, b| {
        b.application_id
            .cmp(&a.application_id)
            .then_with(|| a.id.cmp(&b.id))
    });
    rows.into_iter().map(|s| s.id.clone()).collect()
}
