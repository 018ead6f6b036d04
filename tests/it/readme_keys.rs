//! The README's key tables are checked against the key registry: every key a table names is
//! bound, by default, to the action the table says, and every action of the registry is in a
//! table. A README that says `p` where the app has `P` fails here.

use dbx_tui::app::keymap::{ACTIONS, Key, Keymap};

/// `(keys, action)` of every row of a `| key | action | what it does |` table.
fn rows(readme: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut in_table = false;
    for line in readme.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split(" | ")
            .map(str::trim)
            .collect();
        if cells == ["key", "action", "what it does"] {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table || cells[0].starts_with("---") {
            continue;
        }
        let ticked = |s: &str| s.trim().trim_matches('`').to_owned();
        let keys = cells[0].split(", ").map(ticked).collect();
        out.push((keys, ticked(cells[1])));
    }
    out
}

#[test]
fn every_key_in_the_readme_tables_has_that_meaning_in_the_keymap() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let rows = rows(&readme);
    assert!(rows.len() > 20, "the README's key tables were not found");
    let keymap = Keymap::default();
    let mut problems = Vec::new();
    for (keys, action) in &rows {
        let Some(info) = ACTIONS.iter().find(|a| a.name == action) else {
            problems.push(format!("{action:?} is not an action of the registry"));
            continue;
        };
        for k in keys {
            match Key::parse(k) {
                Ok(key) if keymap.keys(info.action).contains(&key) => {}
                Ok(_) => problems.push(format!(
                    "README says {k} is {action}; the keymap binds {action} to {}",
                    keymap.label(info.action).unwrap_or_default()
                )),
                Err(e) => problems.push(format!("README key {k:?}: {e}")),
            }
        }
    }
    for a in ACTIONS {
        if !rows.iter().any(|(_, action)| action == a.name) {
            problems.push(format!("the README's key tables do not list {}", a.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
