//! Arrow tables in and out: column readers ([`read`]), the index of a lines table by
//! `order_id` ([`lines`]) and the output writer ([`write`]). Stateless batch (`crate::batch`)
//! uses them, and so will the stateful simulation; rows become inputs through
//! `crate::input::arrow`.

pub mod lines;
pub mod read;
pub mod write;
