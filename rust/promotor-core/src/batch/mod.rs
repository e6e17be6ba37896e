//! Stateless batch evaluation over Arrow record batches (DESIGN.md section 6). Pure Rust: the
//! binding imports and exports the batches through the Arrow C stream interface.
//!
//! Each order row is read by the one input validator (through [`crate::input::arrow`], so a
//! row gets exactly the errors `evaluate` gives the same values), priced with
//! [`Program::price`] on a caller-owned rayon pool, and reduced to its output row at once.
//! Orders are processed in chunks of at most [`CHUNK`] rows, so working memory is bounded by
//! the chunk. Before the rows are priced, [`columnar`] decides each campaign's cheap
//! conditions over the chunk's columns: orders no campaign may apply to are priced without
//! the interpreter, the others with the ruled-out campaigns skipped. Every row is still read
//! by the validator, so errors are the same.

pub mod columnar;

use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use rayon::prelude::*;

use crate::arrow::lines::Lines;
use crate::arrow::write::{ChunkOut, MoneyOut, Row, Writer};
use crate::compile::Program;
use crate::error::{Error, ErrorKind, Errors, Loc};
use crate::input::arrow::{Extra, LineItems, LineTable, OrderTable};
use crate::input::{validate, Errs, Input, Timestamp};
use crate::money;
use columnar::plan::Plan;

/// Orders evaluated per chunk.
pub const CHUNK: usize = 16_384;
/// Problems reported of the first bad chunk.
pub(crate) const MAX_ERRORS: usize = 50;
/// Fewest rows a slice of a chunk gets (see [`Batch::chunk`]).
const MIN_SLICE: usize = 1_024;
/// Slices per thread, so a thread that drew the qualifying orders does not hold up the rest.
const SLICES_PER_THREAD: usize = 4;

/// `(offset, len)` of the slices a chunk of `n` rows is cut into for `threads` threads: one
/// slice (possibly empty) on one thread; otherwise up to [`SLICES_PER_THREAD`] per thread, of
/// at least [`MIN_SLICE`] rows.
fn slices(n: usize, threads: usize) -> Vec<(usize, usize)> {
    let count = if threads <= 1 {
        1
    } else {
        (n / MIN_SLICE).clamp(1, threads * SLICES_PER_THREAD)
    };
    let (size, extra) = (n / count, n % count);
    let mut offset = 0;
    (0..count)
        .map(|k| {
            let len = size + usize::from(k < extra);
            let slice = (offset, len);
            offset += len;
            slice
        })
        .collect()
}

/// Evaluates orders chunk by chunk; see the module documentation.
pub struct Batch<'p> {
    program: &'p Program,
    writer: Writer,
    lines: Option<Lines>,
    /// `context.now` for orders without `created_at`.
    now: Timestamp,
    extra: Extra,
    order_id_type: Option<DataType>,
    /// What columns decide about each campaign (`None`: nothing to prune).
    plan: Option<Plan>,
}

fn error(loc: Vec<Loc>, kind: ErrorKind) -> Errors {
    Errors::input(vec![Error::new(kind, loc)])
}

impl<'p> Batch<'p> {
    pub fn new(
        program: &'p Program,
        money: MoneyOut,
        detail: bool,
        lines: Option<Lines>,
        now: Timestamp,
        extra: Extra,
    ) -> Self {
        Self {
            program,
            writer: Writer {
                money,
                detail,
                exponent: program.0.exponent,
            },
            lines,
            now,
            extra,
            order_id_type: None,
            plan: Some(Plan::new(&program.0)).filter(Plan::prunes),
        }
    }

    /// The summary table's schema, for an `order_id` of the given type.
    pub fn summary_schema(&self, order_id: &DataType) -> SchemaRef {
        self.writer.summary_schema(order_id)
    }

    pub fn detail_schema(&self, order_id: &DataType) -> SchemaRef {
        self.writer.detail_schema(order_id)
    }

    /// Evaluates one chunk of orders whose first row is global row `start` (runs on the
    /// current rayon pool), as one output piece per slice of the chunk.
    ///
    /// The chunk is cut into a few slices per thread and each slice goes through every step on
    /// one worker: the columnar selection, reading and pricing its rows, and writing its output
    /// columns. Only the order-id type check is serial, so a call scales with the pool (a
    /// selection or an output built for the whole chunk on one thread held two threads to
    /// about 1.7 times one). Each worker reduces its orders' outcomes to `Row`s right away, so
    /// a slice holds ~100 bytes per order instead of whole outcomes, and the outcomes are freed
    /// on the thread that allocated them. Bad rows are reported in row order, the first
    /// [`MAX_ERRORS`] of the chunk.
    pub fn chunk(&mut self, orders: &RecordBatch, start: usize) -> Result<Vec<ChunkOut>, Errors> {
        self.check_order_id(orders)?;
        let this = &*self;
        let slices = slices(orders.num_rows(), rayon::current_num_threads());
        let pieces: Vec<Result<Result<ChunkOut, Vec<Error>>, Errors>> = slices
            .into_par_iter()
            .map(|(offset, len)| this.piece(&orders.slice(offset, len), start + offset))
            .collect();
        let mut outs = Vec::with_capacity(pieces.len());
        let mut errors = Vec::new();
        for piece in pieces {
            match piece? {
                Ok(out) => outs.push(out),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(outs)
        } else {
            errors.truncate(MAX_ERRORS);
            Err(Errors::input(errors))
        }
    }

    /// One slice of a chunk, start to finish on the calling thread: its output, or its bad
    /// rows' problems (rows are read until [`MAX_ERRORS`] are found; [`Batch::chunk`] keeps
    /// the chunk's first [`MAX_ERRORS`]).
    fn piece(
        &self,
        orders: &RecordBatch,
        start: usize,
    ) -> Result<Result<ChunkOut, Vec<Error>>, Errors> {
        let program = self.program;
        let selection = self.select(orders);
        let sel = selection.as_ref();
        let rows = self.read_checked(orders, start, |fill| {
            let mut input = Input::default();
            let mut rows = Vec::with_capacity(orders.num_rows());
            let mut errors: Vec<Error> = Vec::new();
            for i in 0..orders.num_rows() {
                match fill(&mut input, i) {
                    Err(e) => {
                        if errors.len() < MAX_ERRORS {
                            errors.extend(e);
                        }
                    }
                    Ok(()) if !errors.is_empty() => {}
                    Ok(()) => rows.push(match sel {
                        None => Row::new(program.price(&input)),
                        Some(s) if !s.any.get(i) => Row::plain(program.price_plain(&input)),
                        Some(s) => Row::new(program.price_selected(&input, &|ci| !s.may(ci, i))),
                    }),
                }
            }
            if errors.is_empty() {
                Ok(rows)
            } else {
                Err(errors)
            }
        })?;
        Ok(match rows {
            Ok(rows) => {
                let order_ids = orders
                    .column_by_name("order_id")
                    .expect("read checked the order_id column");
                Ok(self.output(order_ids.as_ref(), &rows)?)
            }
            Err(errors) => Err(errors),
        })
    }

    /// Which orders of a chunk each campaign may apply to, decided over its columns; `None`
    /// when no campaign has a condition columns decide.
    pub fn select(&self, orders: &RecordBatch) -> Option<columnar::Selection> {
        let plan = self.plan.as_ref()?;
        let chunk = columnar::Chunk {
            orders,
            nested: self.lines.is_none(),
            currency: self.program.def().currency.as_str(),
            exponent: self.writer.exponent,
            mode: self.program.0.mode,
            clock: self.now,
        };
        Some(columnar::select(plan, &chunk))
    }

    /// The output rows of one chunk, for its `order_id` column.
    pub(crate) fn output(&self, order_ids: &dyn Array, rows: &[Row]) -> Result<ChunkOut, Errors> {
        self.writer
            .write(order_ids, rows)
            .map_err(|e| Errors::input(vec![e]))
    }

    /// Checks the columns of one chunk of orders whose first row is global row `start`, then
    /// calls `body` with a function that fills a (reused) [`Input`] with row `i` of the chunk
    /// (or gives that row's problems): what the stateless batch runs in parallel and the
    /// simulation in order.
    pub fn read<T>(
        &mut self,
        orders: &RecordBatch,
        start: usize,
        body: impl FnOnce(&(dyn Fn(&mut Input, usize) -> Result<(), Vec<Error>> + Sync)) -> T,
    ) -> Result<T, Errors> {
        self.check_order_id(orders)?;
        self.read_checked(orders, start, body)
    }

    /// `orders` has an `order_id` column, of the type the first chunk had (remembered).
    fn check_order_id(&mut self, orders: &RecordBatch) -> Result<(), Errors> {
        let order_ids = orders
            .column_by_name("order_id")
            .map(AsRef::as_ref)
            .ok_or_else(|| {
                error(
                    vec![Loc::key("orders"), Loc::key("order_id")],
                    ErrorKind::Required,
                )
            })?;
        if self
            .order_id_type
            .as_ref()
            .is_some_and(|t| t != order_ids.data_type())
        {
            return Err(error(
                vec![Loc::key("orders"), Loc::key("order_id")],
                ErrorKind::TypeMismatch {
                    expected: format!(
                        "{} (as in the first batch)",
                        self.order_id_type
                            .as_ref()
                            .map_or_else(String::new, ToString::to_string)
                    ),
                    got: order_ids.data_type().to_string(),
                },
            ));
        }
        self.order_id_type = Some(order_ids.data_type().clone());
        Ok(())
    }

    /// [`Batch::read`] after [`Batch::check_order_id`].
    fn read_checked<T>(
        &self,
        orders: &RecordBatch,
        start: usize,
        body: impl FnOnce(&(dyn Fn(&mut Input, usize) -> Result<(), Vec<Error>> + Sync)) -> T,
    ) -> Result<T, Errors> {
        let exponent = self.writer.exponent;
        let table = OrderTable::new(orders, exponent, self.extra, self.lines.is_some())
            .map_err(Errors::input)?;
        let lines = self.lines.as_ref();
        let (line_tables, line_keys) = match lines {
            None => (Vec::new(), Vec::new()),
            Some(l) => {
                if l.int_keys() != table.keys.is_int() && !l.is_empty() {
                    return Err(error(
                        vec![Loc::key("lines"), Loc::key("order_id")],
                        ErrorKind::Invalid {
                            message: "lines.order_id and orders.order_id must both be integers \
                                      or both strings"
                                .to_owned(),
                        },
                    ));
                }
                let tables = l
                    .batches()
                    .iter()
                    .map(|b| LineTable::new(b, exponent, self.extra))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(Errors::input)?;
                (
                    tables,
                    Lines::readers(l.batches()).map_err(|e| Errors::input(vec![e]))?,
                )
            }
        };
        let now = self.now;
        let money_out = self.writer.money;
        let engine_currency = self.program.def().currency.as_str();

        // Fills a worker's reused `Input` with order `i` (every field is set, and strings and
        // vectors keep their buffers).
        let fill = |input: &mut Input, i: usize| -> Result<(), Vec<Error>> {
            let row = start + i;
            let Some(key) = table.keys.get(i) else {
                let loc = vec![Loc::key("orders"), Loc::Index(row), Loc::key("order_id")];
                return Err(vec![Error::new(ErrorKind::Required, loc)]);
            };
            let items = lines.map(|l| LineItems {
                tables: &line_tables,
                lines: l,
                refs: l.find(key, &line_keys),
            });
            let locate = |loc: Vec<Loc>| table.locate(row, items.as_ref(), &loc);
            let mut errs = Errs::located(&locate);
            validate::fill(&table.cell(i, items.as_ref()), input, now, &mut errs);
            if !errs.is_empty() {
                return Err(errs.errors);
            }
            // The money columns have the engine currency's places; an order priced with more
            // (JPY engine, USD order) would come out rounded.
            if let Some(code) = &input.cart.currency {
                let e = money::currency_exponent(code).unwrap_or(0);
                if e > exponent && money_out != MoneyOut::Float {
                    let loc = table.locate(row, None, &[Loc::key("cart"), Loc::key("currency")]);
                    let message = format!(
                        "{code} amounts have {e} decimal places, the output's money columns \
                         {exponent} (the engine's currency, {engine_currency}): use \
                         money=\"float\" or an engine in {code}"
                    );
                    return Err(vec![Error::new(ErrorKind::Invalid { message }, loc)]);
                }
            }
            Ok(())
        };

        Ok(body(&fill))
    }

    /// After the last chunk: every line of the lines table belongs to some order.
    pub fn finish(&self) -> Result<(), Errors> {
        match self.lines.as_ref().and_then(Lines::unmatched) {
            None => Ok(()),
            Some(global) => Err(error(
                vec![
                    Loc::key("lines"),
                    Loc::Index(global as usize),
                    Loc::key("order_id"),
                ],
                ErrorKind::Invalid {
                    message: "no order in the orders table has this order_id".to_owned(),
                },
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::slices;

    #[test]
    fn slices_cover_the_chunk_in_order() {
        assert_eq!(slices(0, 1), vec![(0, 0)]);
        assert_eq!(slices(0, 4), vec![(0, 0)]);
        assert_eq!(slices(16_384, 1), vec![(0, 16_384)]);
        assert_eq!(slices(1_500, 2), vec![(0, 1_500)]);
        assert_eq!(slices(2_049, 2), vec![(0, 1_025), (1_025, 1_024)]);
        for (n, threads) in [(10_000, 2), (16_384, 2), (16_384, 3), (5_000, 8), (999, 2)] {
            let got = slices(n, threads);
            assert!(got.len() <= threads * super::SLICES_PER_THREAD);
            assert!(got.len() == 1 || got.iter().all(|&(_, len)| len >= super::MIN_SLICE));
            let mut next = 0;
            for (offset, len) in got {
                assert_eq!(offset, next);
                next += len;
            }
            assert_eq!(next, n);
        }
    }
}
