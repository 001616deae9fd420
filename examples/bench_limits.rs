//! Figures for the limits of issue 10, not tests: the worst template render under the limits, and
//! how the callback listener holds up to a flood of local requests.
//! `cargo run --release --example bench_limits`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use authdeck::model::template::{self, MAX_TEMPLATE_LEN, Variables};

fn time<T>(what: &str, f: impl Fn() -> T) -> T {
    let runs = 20;
    let mut worst = Duration::ZERO;
    let mut out = None;
    for _ in 0..runs {
        let started = Instant::now();
        out = Some(f());
        worst = worst.max(started.elapsed());
    }
    println!("{what}: worst of {runs} runs {:.2} ms", worst.as_secs_f64() * 1000.0);
    out.expect("ran at least once")
}

fn main() {
    let big = "y".repeat(1024 * 1024);
    let vars: BTreeMap<&str, String> = Variables::ALL.iter().map(|v| (*v, big.clone())).collect();
    // The largest template allowed, emitting a 1 MiB value as often as it can: stops at the 2 MiB cap.
    let emits = "{{code}}".repeat(MAX_TEMPLATE_LEN / 8 - 1);
    let result = time("64 KiB of {{code}} with a 1 MiB code (output cap)", || template::render(&emits, &vars));
    println!("  -> {}", result.err().unwrap_or_default());
    // The largest template allowed, all conditionals and filters (the fuel's worst case).
    let ifs = "{% if code %}{{ code|trim|lower }}{% endif %}".repeat(MAX_TEMPLATE_LEN / 48);
    let small: BTreeMap<&str, String> = Variables::ALL.iter().map(|v| (*v, "abc".to_owned())).collect();
    let result = time("64 KiB of {% if %} and filters", || template::render(&ifs, &small));
    println!("  -> {}", result.map(|o| format!("{} bytes", o.len())).unwrap_or_else(|e| e));
    // What hung authdeck before: nested loops over a long string (now refused before rendering).
    let nested = "{% for a in code %}{% for b in code %}{% for c in code %}x{% endfor %}{% endfor %}{% endfor %}";
    let result = time("nested {% for %} over a 1 MiB string", || template::render(nested, &vars));
    println!("  -> {}", result.err().unwrap_or_default());
}
