//! A string that must never reach the screen, a log line or a panic message.

use std::fmt;
use zeroize::Zeroizing;

/// A secret value (token, client secret, gateway key). `Debug` prints a fixed placeholder and
/// there is no `Display`, so a secret cannot slip into a format string or an error; the bytes
/// are overwritten when the last copy is dropped, so a freed secret does not linger in memory.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The plaintext, for the one place that needs it (an HTTP header or a form body).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::marker::PhantomData;

    /// Autoref specialisation: `(&Probe::<T>).is_display()` picks the `Probe<T>` impl when
    /// `T: Display` holds and falls back to the `&Probe<T>` impl otherwise.
    struct Probe<T>(PhantomData<T>);
    trait IsDisplay {
        fn is_display(&self) -> bool {
            true
        }
    }
    impl<T: fmt::Display> IsDisplay for Probe<T> {}
    trait NotDisplay {
        fn is_display(&self) -> bool {
            false
        }
    }
    impl<T> NotDisplay for &Probe<T> {}

    #[test]
    #[allow(
        clippy::needless_borrow,
        reason = "the explicit borrow is what picks between the two impls"
    )]
    fn debug_hides_the_value_and_there_is_no_display() {
        let s = Secret::new("dapi-canary-123");
        assert!(!format!("{s:?}").contains("canary"));
        assert_eq!(s.expose(), "dapi-canary-123");
        assert!(!(&Probe::<Secret>(PhantomData)).is_display());
        // The probe does tell a Display type apart.
        assert!((&Probe::<String>(PhantomData)).is_display());
    }
}
