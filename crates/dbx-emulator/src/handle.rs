//! Service-principal bookkeeping shared by the SCIM handlers and [`EmulatorHandle`]: the scale
//! knob's generator, id minting, and removal that also cleans groups, assignments and secrets.

use super::seed::SeedSp;
use super::state::{EmulatorHandle, State, lock};

/// A stable 64-bit mix (splitmix64), so generated principals are identical on every run.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn tag_of(account_id: &str) -> u64 {
    account_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Appends the low `digits` hex digits of `v` (zero-padded).
fn push_hex(out: &mut String, v: u64, digits: u32) {
    for k in (0..digits).rev() {
        out.push(char::from(
            b"0123456789abcdef"[((v >> (4 * k)) & 0xf) as usize],
        ));
    }
}

/// Appends `v` in decimal, zero-padded to at least `width` digits.
fn push_dec(out: &mut String, v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let (mut v, mut at) = (v, buf.len());
    while v > 0 || at == buf.len() {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for _ in (buf.len() - at)..width {
        out.push('0');
    }
    out.extend(buf[at..].iter().map(|&d| char::from(d)));
}

/// `{a>>32:08x}-{(a>>16)&0xffff:04x}-4{a&0xfff:03x}-8{b>>52:03x}-{b&0xffff_ffff_ffff:012x}`,
/// written without the formatting machinery (start-up generates hundreds of thousands).
fn uuid_from(a: u64, b: u64) -> String {
    let mut s = String::with_capacity(36);
    push_hex(&mut s, a >> 32, 8);
    s.push('-');
    push_hex(&mut s, a >> 16, 4);
    s.push_str("-4");
    push_hex(&mut s, a, 3);
    s.push_str("-8");
    push_hex(&mut s, b >> 52, 3);
    s.push('-');
    push_hex(&mut s, b, 12);
    s
}

const WORDS: &[&str] = &["etl", "ml", "bi", "ci", "ops", "ingest", "report", "sync"];

/// Appends `n` generated principals to `account_id`. Cheap on purpose (a few string
/// allocations each, no JSON) so 10,000+ keep emulator start-up in milliseconds.
pub(crate) fn generate_sps(sps: &mut Vec<SeedSp>, account_id: &str, n: usize) {
    if n == 0 {
        return;
    }
    let tag = tag_of(account_id);
    sps.reserve(n);
    for i in 0..n as u64 {
        let a = mix(tag ^ i);
        let b = mix(a);
        // `9{tag%1000:03}{i:012}` and `{word}-sp-{i:05}`, without `format!`.
        let mut id = String::with_capacity(16);
        id.push('9');
        push_dec(&mut id, tag % 1000, 3);
        push_dec(&mut id, i, 12);
        let word = WORDS[(a % WORDS.len() as u64) as usize];
        let mut name = String::with_capacity(word.len() + 10);
        name.push_str(word);
        name.push_str("-sp-");
        push_dec(&mut name, i, 5);
        sps.push(SeedSp {
            account_id: account_id.to_string(),
            // 16 digits starting with 9: never collides with the demo's ids (which start 1-8).
            id,
            application_id: uuid_from(a, b),
            display_name: Some(name),
            active: i % 17 != 0,
            external_id: None,
            roles: Vec::new(),
            entitlements: Vec::new(),
            workspace_ids: Vec::new(),
            secrets: Vec::new(),
        });
    }
}

impl State {
    /// A fresh numeric-looking SCIM id, unique within the account.
    pub(crate) fn new_sp_id(&self, account_id: &str) -> String {
        loop {
            let n = uuid::Uuid::new_v4().as_u128() % 8_000_000_000_000_000 + 1_000_000_000_000_000;
            let id = n.to_string();
            if self.sp(account_id, &id).is_none() {
                return id;
            }
        }
    }

    /// Removes a principal everywhere: groups, workspace assignments and secrets go with it.
    pub(crate) fn remove_sp(&mut self, account_id: &str, id: &str) -> bool {
        if !self.sps.remove(account_id, id) {
            return false;
        }
        for g in self
            .groups
            .iter_mut()
            .filter(|g| g.account_id == account_id)
        {
            g.members.retain(|m| m != id);
        }
        self.assignment_levels.retain(|(_, sp), _| sp != id);
        self.secret_digests.remove(id);
        true
    }

    /// Drops an SP's assignment to one workspace (its account principal stays).
    pub(crate) fn unassign(&mut self, account_id: &str, workspace_id: i64, id: &str) -> bool {
        self.assignment_levels
            .remove(&(workspace_id, id.to_string()));
        match self.sp_mut(account_id, id) {
            Some(sp) if sp.workspace_ids.contains(&workspace_id) => {
                sp.workspace_ids.retain(|w| *w != workspace_id);
                true
            }
            _ => false,
        }
    }

    /// Assigns (or re-levels) an SP on a workspace.
    pub(crate) fn assign(
        &mut self,
        account_id: &str,
        workspace_id: i64,
        id: &str,
        levels: Vec<String>,
    ) {
        if let Some(sp) = self.sp_mut(account_id, id)
            && !sp.workspace_ids.contains(&workspace_id)
        {
            sp.workspace_ids.push(workspace_id);
        }
        self.assignment_levels
            .insert((workspace_id, id.to_string()), levels);
    }

    pub(crate) fn levels_of(&self, workspace_id: i64, id: &str) -> Vec<String> {
        self.assignment_levels
            .get(&(workspace_id, id.to_string()))
            .cloned()
            .unwrap_or_else(|| vec!["USER".to_string()])
    }
}

/// Test hooks for service principals: change the data between a client's requests.
impl EmulatorHandle {
    /// Serve SCIM lists with or without `totalResults` from now on.
    pub fn set_scim_omit_total(&self, omit: bool) {
        lock(&self.shared).scim_omit_total = omit;
    }

    /// Inserts a new principal at `position` in the account's list order (clamped to the end)
    /// and returns its SCIM id. Inserting before a client's current offset shifts later rows
    /// onto the next page, which is how a real list changes under a paging client.
    pub fn insert_service_principal(
        &self,
        account_id: &str,
        position: usize,
        name: &str,
    ) -> String {
        let mut st = lock(&self.shared);
        let id = st.new_sp_id(account_id);
        let sp = SeedSp {
            account_id: account_id.to_string(),
            id: id.clone(),
            application_id: uuid::Uuid::new_v4().to_string(),
            display_name: Some(name.to_string()),
            active: true,
            external_id: None,
            roles: Vec::new(),
            entitlements: Vec::new(),
            workspace_ids: Vec::new(),
            secrets: Vec::new(),
        };
        st.sps.insert_at(position, sp);
        id
    }

    /// Deletes a principal as the SCIM DELETE would; false if it did not exist.
    pub fn remove_service_principal(&self, account_id: &str, id: &str) -> bool {
        lock(&self.shared).remove_sp(account_id, id)
    }

    /// SCIM ids of the account's principals, in list order.
    pub fn service_principal_ids(&self, account_id: &str) -> Vec<String> {
        let st = lock(&self.shared);
        st.sps
            .of_account(account_id)
            .iter()
            .map(|&i| st.sps[i].id.clone())
            .collect()
    }

    /// SCIM ids of the account's principals whose display name is `name`.
    pub fn service_principals_named(&self, account_id: &str, name: &str) -> Vec<String> {
        lock(&self.shared)
            .sps
            .iter()
            .filter(|s| s.account_id == account_id && s.display_name.as_deref() == Some(name))
            .map(|s| s.id.clone())
            .collect()
    }

    /// Ids of the principal's OAuth secrets, in the order the secrets API lists them.
    pub fn secret_ids(&self, account_id: &str, id: &str) -> Vec<String> {
        lock(&self.shared)
            .sp(account_id, id)
            .map_or_else(Vec::new, |s| {
                s.secrets
                    .iter()
                    .filter_map(|v| v["id"].as_str().map(str::to_owned))
                    .collect()
            })
    }

    /// Workspaces the principal is assigned to.
    pub fn workspace_ids_of(&self, account_id: &str, id: &str) -> Option<Vec<i64>> {
        lock(&self.shared)
            .sp(account_id, id)
            .map(|s| s.workspace_ids.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_unique() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        generate_sps(&mut a, "acct", 2000);
        generate_sps(&mut b, "acct", 2000);
        assert_eq!(a.len(), 2000);
        let ids: std::collections::HashSet<_> = a.iter().map(|s| &s.id).collect();
        let apps: std::collections::HashSet<_> = a.iter().map(|s| &s.application_id).collect();
        assert_eq!((ids.len(), apps.len()), (2000, 2000));
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.application_id == y.application_id)
        );
        assert!(uuid::Uuid::parse_str(&a[7].application_id).is_ok());
    }

    /// The hand-written writers give exactly what the `format!` strings they replace gave, so
    /// generated ids, names and application ids are the same as before.
    #[test]
    fn generated_strings_match_their_format_strings() {
        let tag = tag_of("acct");
        let mut v = Vec::new();
        generate_sps(&mut v, "acct", 100_002);
        for i in [0u64, 7, 99_999, 100_001] {
            let sp = &v[i as usize];
            let a = mix(tag ^ i);
            let b = mix(a);
            assert_eq!(sp.id, format!("9{:03}{:012}", tag % 1000, i));
            assert_eq!(
                sp.display_name.as_deref(),
                Some(format!("{}-sp-{i:05}", WORDS[(a % WORDS.len() as u64) as usize]).as_str())
            );
            assert_eq!(
                sp.application_id,
                format!(
                    "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                    a >> 32,
                    (a >> 16) & 0xffff,
                    a & 0xfff,
                    b >> 52,
                    b & 0xffff_ffff_ffff
                )
            );
        }
        let mut s = String::new();
        push_dec(&mut s, 0, 0);
        push_dec(&mut s, 0, 3);
        push_dec(&mut s, 123_456, 3);
        assert_eq!(s, "0000123456");
    }
}
