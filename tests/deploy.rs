//! The deployment files, checked as far as a machine without a Docker engine can: the
//! Dockerfile's shape, the compose file's wiring, and that every setting they and the README
//! name is one `civlink serve` knows.

use std::collections::BTreeSet;
use std::process::Command;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// `CIVLINK_*` names in a text.
fn settings(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("CIVLINK_") {
        let name: String =
            rest[i..].chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
        let name = name.trim_end_matches('_');
        if name != "CIVLINK" {
            out.insert(name.to_owned());
        }
        rest = &rest[i + 8..];
    }
    out
}

#[test]
fn every_setting_named_in_the_deployment_files_and_readme_exists() {
    let out = Command::new(env!("CARGO_BIN_EXE_civlink")).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let known = settings(&help);
    assert!(known.len() >= 15, "{known:?}");
    // Read by the JWT settings (not flags) and by the tests.
    let extra = [
        "CIVLINK_JWT_SECRET",
        "CIVLINK_JWT_KEYS",
        "CIVLINK_JWT_ISSUER",
        "CIVLINK_JWT_AUDIENCE",
        "CIVLINK_JWT_LEEWAY_SECS",
        "CIVLINK_TEST_PG",
    ];
    for file in ["docker-compose.yml", "Dockerfile", "README.md"] {
        for name in settings(&read(file)) {
            assert!(
                known.contains(&name) || extra.contains(&name.as_str()),
                "{file} names {name}, which civlink does not read"
            );
        }
    }
    // And the README's configuration table lists every one of them.
    let readme = read("README.md");
    for name in &known {
        assert!(readme.contains(&format!("| `{name}` |")), "README's configuration table lacks {name}");
    }
}

#[test]
fn the_image_is_multi_stage_cached_small_and_unprivileged() {
    let dockerfile = read("Dockerfile");
    let stages = dockerfile.lines().filter(|l| l.starts_with("FROM ")).count();
    assert!(stages >= 3, "{dockerfile}");
    assert!(dockerfile.contains("cargo chef cook"), "dependency layer cached with cargo-chef");
    let runtime = &dockerfile[dockerfile.rfind("FROM ").unwrap()..];
    assert!(runtime.contains("-slim"), "{runtime}");
    assert!(runtime.contains("USER civlink") && !runtime.contains("USER root"), "{runtime}");
    assert!(runtime.contains("HEALTHCHECK") && runtime.contains("/readyz"), "{runtime}");
    assert!(runtime.contains("STOPSIGNAL SIGTERM"));
}

#[test]
fn compose_waits_for_a_healthy_database_runs_setup_once_and_starts_two_replicas() {
    let compose = read("docker-compose.yml");
    // Structure, without a YAML parser: the services and their dependencies, by indentation.
    let service = |name: &str| -> String {
        let start = compose.find(&format!("\n  {name}:\n")).unwrap_or_else(|| panic!("no service {name}"));
        let body = &compose[start + name.len() + 4..];
        let end = body.find("\n  ").and_then(|_| {
            body.lines().skip(1).position(|l| l.starts_with("  ") && !l.starts_with("    ") && !l.trim().is_empty())
        });
        match end {
            Some(n) => body.lines().take(n + 1).collect::<Vec<_>>().join("\n"),
            None => body.to_owned(),
        }
    };
    let postgres = service("postgres");
    assert!(postgres.contains("image: postgres:16") && postgres.contains("pg_isready"), "{postgres}");
    assert!(postgres.contains("/var/lib/postgresql/data"), "a volume for the data");
    let setup = service("setup");
    assert!(setup.contains(r#"command: ["setup"]"#) && setup.contains("condition: service_healthy"), "{setup}");
    let civlink = service("civlink");
    assert!(civlink.contains("condition: service_completed_successfully"), "{civlink}");
    assert!(civlink.contains("replicas: 2"), "{civlink}");
    assert!(compose.contains("DATABASE_URL: postgres://"), "env-based configuration");
}
