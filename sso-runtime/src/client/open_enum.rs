//! Open enums: WorkOS string enums that keep unknown values instead of failing to parse.
//!
//! WorkOS adds connection types, providers and states regularly, and closed enums have broken official SDKs
//! when a new value appeared. Every open enum round-trips the exact wire string, including for `Unknown`.

/// Declares an open enum over wire strings.
///
/// Each variant is `Name = "wire"`, optionally followed by `| "alias"` spellings accepted on input only.
/// The generated type has `as_str()`, `Display`, `From<String>`, `From<&str>`, `Serialize` and a `Deserialize`
/// that never fails on a string, plus an `Unknown(String)` variant holding any other value verbatim.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("`", $wire, "` on the wire.")]
                $variant,
            )+
            /// A value this version of the crate does not know, kept exactly as received.
            Unknown(String),
        }

        impl $name {
            /// The exact wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(other) => other,
                }
            }
        }

        impl ::std::convert::From<String> for $name {
            fn from(wire: String) -> Self {
                match wire.as_str() {
                    $( $wire $(| $alias)* => Self::$variant, )+
                    _ => Self::Unknown(wire),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(wire: &str) -> Self {
                Self::from(wire.to_owned())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    };
}
pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    #![allow(unreachable_pub)] // the macros under test declare `pub` items, as they do for the crate
    open_enum! {
        /// A sample.
        pub enum Colour {
            Red = "red",
            Grey = "grey" | "gray",
        }
    }

    #[test]
    fn known_values_parse_to_their_variant() {
        assert_eq!(Colour::from("red"), Colour::Red);
    }

    #[test]
    fn aliases_parse_to_the_canonical_variant_and_serialize_canonically() {
        let colour: Colour = serde_json::from_str("\"gray\"").unwrap();
        assert_eq!(serde_json::to_string(&colour).unwrap(), "\"grey\"");
    }

    #[test]
    fn unknown_values_round_trip_verbatim() {
        let colour: Colour = serde_json::from_str("\"Mauve\"").unwrap();
        assert_eq!(colour, Colour::Unknown("Mauve".to_owned()));
        assert_eq!(serde_json::to_string(&colour).unwrap(), "\"Mauve\"");
    }
}
