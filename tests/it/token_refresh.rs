//! A token refused by many requests at once is refreshed once, and every request waits for
//! that one refresh instead of reusing the refused token or refreshing again.

use crate::support::{emulator, profiles};
use dbx_tui::api::client::http_client;
use dbx_tui::api::{ApiClient, workspaces};
use dbx_tui::emulator::{BodyFault, FaultKind};

#[tokio::test]
async fn eight_requests_refused_on_one_token_cause_one_refresh() {
    let emu = emulator().await;
    let p = profiles(&emu).remove(0);
    let acc = p.account_id.clone().unwrap();
    let auth = dbx_tui::auth::provider_for(&p).unwrap();
    let client = ApiClient::new(http_client(), &emu.base_url(), auth);
    let token_path = format!("/oidc/accounts/{acc}/v1/token");
    let list_path = format!("/api/2.0/accounts/{acc}/workspaces");

    workspaces::list(&client, &acc).await.unwrap();
    assert_eq!(emu.handle().request_count(&token_path), 1);

    // Every request below carries the now-revoked token and is refused with 401. Half of them
    // are answered late, after the others have already got a new token: their refusal is of
    // the old token and must not throw the new one away.
    emu.handle().revoke_all_tokens();
    emu.handle().inject_body_fault(BodyFault {
        path_prefix: list_path,
        method: Some("GET".into()),
        kind: FaultKind::Latency { millis: 400 },
        times: 4,
    });
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (c, acc) = (client.clone(), acc.clone());
            tokio::spawn(async move { workspaces::list(&c, &acc).await })
        })
        .collect();
    for call in calls {
        call.await
            .unwrap()
            .expect("every request succeeds after the refresh");
    }
    assert_eq!(
        emu.handle().request_count(&token_path),
        2,
        "one refresh for one refused token"
    );
}
