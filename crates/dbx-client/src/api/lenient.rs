//! String enums that keep values they do not know.
//!
//! Databricks enums grow between releases and the REST docs list `*_UNSPECIFIED` members the
//! SDKs omit (docs/wire-facts.md §0.6). A strict enum would fail a whole list on one new value, and a PUT
//! would lose it; these keep it as `Other(String)` and write it back unchanged.

/// Declares `enum $name { Variant, ..., Other(String) }` serialised as its wire string.
#[macro_export]
macro_rules! lenient_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A value this build does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(s) => s.as_str(),
                }
            }

            pub fn parse(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    lenient_enum!(Colour { Red => "RED", Blue => "BLUE" });

    #[test]
    fn unknown_values_round_trip() {
        let c: Colour = serde_json::from_str("\"GREEN_UNSPECIFIED\"").unwrap();
        assert_eq!(c, Colour::Other("GREEN_UNSPECIFIED".into()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"GREEN_UNSPECIFIED\"");
        let r: Colour = serde_json::from_str("\"RED\"").unwrap();
        assert_eq!(r, Colour::Red);
    }
}
