//! Lets the examples build on a fresh clone with no WorkOS account: when the WorkOS ids the examples
//! read with `env!` are not set, they default to the embedded emulator's seed. Set them (and
//! WORKOS_API_KEY at run time) to use WorkOS instead.

/// The emulator's default client id and its seeded "Example Corp" organization.
const DEFAULTS: &[(&str, &str)] = &[
    ("WORKOS_CLIENT_ID", "client_01JHM9S346Q3D25VT4F5V37E3S"),
    ("WORKOS_ORGANIZATION_ID", "org_01JH3E28JT97KB6CQ643DZVMXX"),
];

fn main() {
    for (name, default) in DEFAULTS {
        println!("cargo:rerun-if-env-changed={name}");
        if std::env::var_os(name).is_none_or(|value| value.is_empty()) {
            println!("cargo:rustc-env={name}={default}");
        }
    }
}
