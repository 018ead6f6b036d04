//! Checking a write by reading it back. Databricks fills in fields it was not sent: a policy
//! created without `ingress` reads back with
//! `ingress.private_access.restriction_mode = "ALLOW_ALL_REGISTERED_ENDPOINTS"`, and every
//! policy reads back with `account_id`. So a read-back matches when it holds everything that was
//! sent, whatever the server added.

use super::NetworkPolicy;
use serde_json::Value;

/// True when `server` holds every field of `sent` with the same value (objects may carry more
/// fields; arrays must match element by element, each element by the same rule).
pub fn holds(server: &NetworkPolicy, sent: &NetworkPolicy) -> bool {
    match (serde_json::to_value(server), serde_json::to_value(sent)) {
        (Ok(server), Ok(sent)) => contains(&server, &sent),
        _ => false,
    }
}

fn contains(server: &Value, sent: &Value) -> bool {
    match (server, sent) {
        (Value::Object(server), Value::Object(sent)) => {
            sent.iter().all(|(k, v)| match server.get(k) {
                Some(s) => contains(s, v),
                // An unset optional field sent as null is the server's to fill.
                None => v.is_null(),
            })
        }
        (Value::Array(server), Value::Array(sent)) => {
            server.len() == sent.len() && server.iter().zip(sent).all(|(s, v)| contains(s, v))
        }
        (_, Value::Null) => true,
        (s, v) => s == v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(v: Value) -> NetworkPolicy {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn server_filled_fields_are_accepted_and_sent_fields_are_checked() {
        let sent = policy(json!({
            "network_policy_id": "p",
            "egress": {"network_access": {
                "restriction_mode": "RESTRICTED_ACCESS",
                "allowed_internet_destinations": [
                    {"destination": "a.example.com", "internet_destination_type": "DNS_NAME"}
                ]
            }}
        }));
        let mut read = serde_json::to_value(&sent).unwrap();
        read["account_id"] = json!("acc");
        read["ingress"] =
            json!({"private_access": {"restriction_mode": "ALLOW_ALL_REGISTERED_ENDPOINTS"}});
        assert!(holds(&policy(read.clone()), &sent));

        // A destination the server dropped, or one it holds that was not sent, is a mismatch.
        let mut dropped = read.clone();
        dropped["egress"]["network_access"]["allowed_internet_destinations"] = json!([]);
        assert!(!holds(&policy(dropped), &sent));
        let mut extra = read.clone();
        extra["egress"]["network_access"]["allowed_internet_destinations"]
            .as_array_mut()
            .unwrap()
            .push(json!({"destination": "b.example.com", "internet_destination_type": "DNS_NAME"}));
        assert!(!holds(&policy(extra), &sent));
        let mut mode = read;
        mode["egress"]["network_access"]["restriction_mode"] = json!("FULL_ACCESS");
        assert!(!holds(&policy(mode), &sent));
    }
}
