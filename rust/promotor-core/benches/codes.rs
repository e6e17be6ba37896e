//! Criterion benches of code generation and normalisation (docs/codes.md): codes per second
//! for the default charset in a `"BF-####-####"` pattern, in batches of 100,000 and 1,000,000,
//! against an empty pool and against a pool of 1,000,000; and keys per second of ASCII and
//! non-ASCII codes. The target is 1,000,000 codes a second or more.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use promotor_core::codes::{generate, key, Spec};

const NONE: [&str; 0] = [];

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("codes_generate");
    group.sample_size(10);
    for count in [100_000usize, 1_000_000] {
        group.throughput(Throughput::Elements(count as u64));
        let spec = Spec::new("BF-####-####", count);
        group.bench_with_input(BenchmarkId::new("bf_8", count), &spec, |b, spec| {
            b.iter(|| generate(black_box(spec), &NONE, None).expect("valid").len());
        });
    }
    // Nine random characters: 1,100,000 live codes need more than 2^40.
    let pool: Vec<String> = generate(&Spec::new("BF-#####-####", 1_000_000), &NONE, Some(1))
        .expect("valid")
        .iter()
        .map(str::to_owned)
        .collect();
    let count = 100_000;
    group.throughput(Throughput::Elements(count as u64));
    group.bench_function(BenchmarkId::new("bf_9_against_1m_pool", count), |b| {
        b.iter(|| {
            generate(&Spec::new("BF-#####-####", count), black_box(&pool), None)
                .expect("valid")
                .len()
        });
    });
    let spec = Spec {
        charset: Some("ÄÖÜABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
        ..Spec::new("ÉTÉ-########", count)
    };
    group.bench_function(BenchmarkId::new("non_ascii_by_key", count), |b| {
        b.iter(|| {
            generate(black_box(&spec), &NONE, None)
                .expect("valid")
                .len()
        });
    });
    group.finish();

    let mut group = c.benchmark_group("codes_key");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ascii", |b| b.iter(|| key(black_box(" BF-7K2M-Q9XA "))));
    group.bench_function("non_ascii", |b| b.iter(|| key(black_box("ÉTÉ-STRASSE-ﬁ"))));
    group.finish();
}

criterion_group!(codes, benches);
criterion_main!(codes);
