//! Prices the W20 benchmark carts in a loop, for profilers (callgrind counts instructions):
//! `cargo build --release --example profile_w20 -p promotor-core`, then
//! `valgrind --tool=callgrind target/release/examples/profile_w20 [rounds] [evaluate|price]`.

use promotor_core::compile::compile;
use promotor_core::input::Input;
use promotor_core::ir::EngineDef;
use promotor_core::time::parse_timestamp;
use serde_json::Value;

const W20: &str = include_str!("../benches/data/w20.json");
const W20_CARTS: &str = include_str!("../benches/data/w20_carts.json");

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let explain = args.next().as_deref() != Some("price");
    let def: EngineDef = serde_json::from_str(W20).expect("valid engine");
    let program = compile(&def).expect("W20 compiles");
    let carts: Vec<Value> = serde_json::from_str(W20_CARTS).expect("valid carts");
    let inputs: Vec<Input> = carts
        .into_iter()
        .map(|mut v| {
            let now = v["context"]["now"].as_str().expect("now").to_owned();
            v["context"]["now"] = Value::from(parse_timestamp(&now).expect("timestamp"));
            serde_json::from_value(v).expect("canonical input")
        })
        .collect();
    // A third argument picks the carts: "qualifying" (something applies) or "plain" (nothing).
    let inputs: Vec<Input> = match args.next().as_deref() {
        Some("qualifying") => inputs
            .into_iter()
            .filter(|i| !program.price(i).applied.is_empty())
            .collect(),
        Some("plain") => inputs
            .into_iter()
            .filter(|i| program.price(i).applied.is_empty())
            .collect(),
        _ => inputs,
    };
    let mut applied = 0usize;
    for _ in 0..rounds {
        for input in &inputs {
            let o = if explain {
                program.evaluate(input)
            } else {
                program.price(input)
            };
            applied += o.applied.len();
        }
    }
    println!("{} evaluations, {applied} applied", rounds * inputs.len());
}
