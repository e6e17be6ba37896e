//! A separate lines table, indexed by `order_id`.
//!
//! The index is compact, about 4 bytes per line and 10 per order, and holds no copy of the
//! keys: a hash table of order groups (compared through the key of each group's first line,
//! read from the table itself) and the lines of each group in table order, as one array of
//! global row numbers (`rows[offsets[g]..offsets[g + 1]]`).

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::RecordBatch;
use hashbrown::HashTable;

use super::read::{Keys, OrderKey};
use crate::error::{Error, ErrorKind, Loc};

pub struct Lines {
    batches: Vec<RecordBatch>,
    /// Global row number of each batch's first row.
    starts: Vec<usize>,
    int_keys: bool,
    hasher: RandomState,
    groups: HashTable<u32>,
    offsets: Vec<u32>,
    rows: Vec<u32>,
    /// Per group: whether an order asked for it (lines of no order are an error).
    used: Vec<AtomicBool>,
}

impl Clone for Lines {
    /// A copy with the same index (the batches are shared, not copied) and the same record of
    /// which groups an order asked for: the simulation gives each variant its own.
    fn clone(&self) -> Self {
        Self {
            batches: self.batches.clone(),
            starts: self.starts.clone(),
            int_keys: self.int_keys,
            hasher: self.hasher.clone(),
            groups: self.groups.clone(),
            offsets: self.offsets.clone(),
            rows: self.rows.clone(),
            used: self
                .used
                .iter()
                .map(|u| AtomicBool::new(u.load(Ordering::Relaxed)))
                .collect(),
        }
    }
}

fn at(loc: Vec<Loc>, kind: ErrorKind) -> Error {
    Error::new(kind, loc)
}

// Errors here are built once per table, never per value, so their size costs nothing.
#[allow(clippy::result_large_err)]
impl Lines {
    pub fn new(batches: Vec<RecordBatch>) -> Result<Self, Error> {
        let mut starts = Vec::with_capacity(batches.len());
        let mut total = 0usize;
        for b in &batches {
            starts.push(total);
            total += b.num_rows();
        }
        if u32::try_from(total).is_err() {
            return Err(at(
                vec![Loc::key("lines")],
                ErrorKind::TooLong {
                    max: u32::MAX as usize,
                },
            ));
        }
        let readers = Self::readers(&batches)?;
        let int_keys = readers.first().is_none_or(Keys::is_int);
        let hasher = RandomState::new();
        let key_at = |global: u32| {
            let (b, r) = locate(&starts, global);
            readers[b].get(r)
        };
        // Pass 1: the group of every line, and the size of every group.
        let mut groups: HashTable<u32> = HashTable::new();
        let mut hashes: Vec<u64> = Vec::new(); // per group, for growing the table
        let mut first: Vec<u32> = Vec::new(); // per group: its first line
        let mut counts: Vec<u32> = Vec::new();
        let mut group_of: Vec<u32> = Vec::with_capacity(total);
        let mut last: Option<(OrderKey<'_>, u32)> = None;
        for (b, keys) in readers.iter().enumerate() {
            for r in 0..batches[b].num_rows() {
                let global = starts[b] + r;
                let Some(k) = keys.get(r) else {
                    return Err(at(
                        vec![Loc::key("lines"), Loc::Index(global), Loc::key("order_id")],
                        ErrorKind::Required,
                    ));
                };
                // Lines usually come grouped by order: skip the lookup for a repeated key.
                let g = match last {
                    Some((lk, lg)) if lk == k => lg,
                    _ => {
                        let h = hasher.hash_one(k);
                        if let Some(&g) = groups.find(h, |&g| key_at(first[g as usize]) == Some(k))
                        {
                            g
                        } else {
                            let g = first.len() as u32;
                            first.push(global as u32);
                            hashes.push(h);
                            counts.push(0);
                            groups.insert_unique(h, g, |&g| hashes[g as usize]);
                            g
                        }
                    }
                };
                last = Some((k, g));
                counts[g as usize] += 1;
                group_of.push(g);
            }
        }
        drop((hashes, first));
        // Pass 2: the lines of each group, in table order (a counting sort).
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        let mut sum = 0u32;
        offsets.push(0);
        for c in &mut counts {
            let n = *c;
            *c = sum; // from here on: where the group's next line goes
            sum += n;
            offsets.push(sum);
        }
        let mut rows = vec![0u32; total];
        for (global, &g) in group_of.iter().enumerate() {
            let next = &mut counts[g as usize];
            rows[*next as usize] = global as u32;
            *next += 1;
        }
        let used = (0..counts.len()).map(|_| AtomicBool::new(false)).collect();
        drop((group_of, counts, readers));
        Ok(Self {
            batches,
            starts,
            int_keys,
            hasher,
            groups,
            offsets,
            rows,
            used,
        })
    }

    /// The `order_id` reader of each batch.
    pub fn readers(batches: &[RecordBatch]) -> Result<Vec<Keys<'_>>, Error> {
        batches
            .iter()
            .map(|batch| {
                let loc = vec![Loc::key("lines"), Loc::key("order_id")];
                let col = batch
                    .column_by_name("order_id")
                    .ok_or_else(|| at(loc.clone(), ErrorKind::Required))?;
                Keys::new(col.as_ref()).ok_or_else(|| {
                    at(
                        loc,
                        ErrorKind::TypeMismatch {
                            expected: "integers or strings".to_owned(),
                            got: col.data_type().to_string(),
                        },
                    )
                })
            })
            .collect()
    }

    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether the keys are integers (else strings).
    pub fn int_keys(&self) -> bool {
        self.int_keys
    }

    /// The global row numbers of the lines of the order `k`, in table order; marks them used.
    pub fn find(&self, k: OrderKey<'_>, readers: &[Keys<'_>]) -> &[u32] {
        let h = self.hasher.hash_one(k);
        let found = self.groups.find(h, |&g| {
            let (b, r) = self.locate(self.rows[self.offsets[g as usize] as usize]);
            readers[b].get(r) == Some(k)
        });
        match found {
            None => &[],
            Some(&g) => {
                let g = g as usize;
                if !self.used[g].load(Ordering::Relaxed) {
                    self.used[g].store(true, Ordering::Relaxed);
                }
                &self.rows[self.offsets[g] as usize..self.offsets[g + 1] as usize]
            }
        }
    }

    /// The first line (global row number) whose order no order row asked for.
    pub fn unmatched(&self) -> Option<u32> {
        (0..self.used.len())
            .filter(|&g| !self.used[g].load(Ordering::Relaxed))
            .map(|g| self.rows[self.offsets[g] as usize])
            .min()
    }

    /// (batch, row in the batch) of a global row number.
    pub fn locate(&self, global: u32) -> (usize, usize) {
        locate(&self.starts, global)
    }
}

fn locate(starts: &[usize], global: u32) -> (usize, usize) {
    let global = global as usize;
    let b = starts.partition_point(|&s| s <= global) - 1;
    (b, global - starts[b])
}
