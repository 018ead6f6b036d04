//! Writing a profile back to `.databrickscfg` (`dbx-tui auth login`): a few keys set in one
//! section, every other line kept as it was, the file replaced atomically and kept 0600.

use super::profile::{Profile, ProfileSource};
use std::path::Path;

/// The profile a sign-in describes: `host` normalised as the config reader does.
pub fn login_profile(name: &str, host: &str, account_id: Option<&str>) -> Profile {
    let mut p = Profile::empty(name, ProfileSource::Environment);
    p.account_id = account_id.map(str::to_owned);
    p.set_host(host);
    p
}

fn section_name(line: &str) -> Option<&str> {
    let t = line.trim();
    t.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .map(str::trim)
}

fn key_of(line: &str) -> Option<String> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with(';') {
        return None;
    }
    t.split_once('=')
        .map(|(k, _)| k.trim().to_ascii_lowercase())
}

/// `text` with `keys` set in `[section]`: an existing line of a key is replaced in place, a
/// missing key is added after the section's last key, and a missing section is appended.
pub fn set_keys(text: &str, section: &str, keys: &[(&str, &str)]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| section_name(l) == Some(section));
    let Some(start) = start else {
        let mut out = text.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&format!("[{section}]\n"));
        for (k, v) in keys {
            out.push_str(&format!("{k} = {v}\n"));
        }
        return out;
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| section_name(l).is_some())
        .map_or(lines.len(), |i| start + 1 + i);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let mut missing = Vec::new();
    for (k, v) in keys {
        match (start + 1..end).find(|&i| key_of(lines[i]).as_deref() == Some(*k)) {
            Some(i) => out[i] = format!("{k} = {v}"),
            None => missing.push(format!("{k} = {v}")),
        }
    }
    // After the section's last non-blank line.
    let insert_at = (start + 1..end)
        .rev()
        .find(|&i| !lines[i].trim().is_empty())
        .map_or(start + 1, |i| i + 1);
    for (n, line) in missing.into_iter().enumerate() {
        out.insert(insert_at + n, line);
    }
    let mut joined = out.join("\n");
    joined.push('\n');
    joined
}

/// Replaces `path` with `text`: written to a new 0600 file beside it, then renamed over it,
/// so a crash leaves the old file or the new one, never half of one.
pub fn write_config(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.dbx-tui-{}", uuid::Uuid::new_v4().simple()));
    crate::files::create_private_new(&tmp, text.as_bytes())?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[(&str, &str)] = &[
        ("host", "https://h.example.com"),
        ("auth_type", "external-browser"),
    ];

    #[test]
    fn updates_a_section_in_place_and_keeps_everything_else() {
        let text =
            "# top\n[a]\nhost = https://old.example.com\ntoken = keep # c\n\n[b]\nhost = x\n";
        let out = set_keys(text, "a", KEYS);
        assert_eq!(
            out,
            "# top\n[a]\nhost = https://h.example.com\ntoken = keep # c\nauth_type = external-browser\n\n[b]\nhost = x\n"
        );
    }

    #[test]
    fn appends_a_missing_section_or_starts_a_file() {
        assert_eq!(
            set_keys("[b]\nhost = x", "a", KEYS),
            "[b]\nhost = x\n\n[a]\nhost = https://h.example.com\nauth_type = external-browser\n"
        );
        assert_eq!(
            set_keys("", "a", &KEYS[..1]),
            "[a]\nhost = https://h.example.com\n"
        );
    }

    #[test]
    fn writes_atomically_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".databrickscfg");
        std::fs::write(&path, "old").unwrap();
        write_config(&path, "[a]\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[a]\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
