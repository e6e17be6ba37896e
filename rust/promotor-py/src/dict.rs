//! The fields of a Python dict as the one validator reads them, through `PyDict_Next`
//! directly: a single-cart evaluation walks about fifty keys, and the iterator of `PyO3` takes
//! a reference to every key (and checks the dict's size around each step) where
//! the validator only needs to know which field a key names. Keys that are the interned field
//! names (every dict written in code) are recognised by their address and never touched.
//!
//! Like `batch.rs`, this module holds `unsafe` code: one call into the C API and the two
//! borrowed references it returns, each with its contract written beside it.
#![allow(unsafe_code)]

use std::ptr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// A key of a Python mapping: a field recognised by its address, or any object.
pub enum PyKey<'py> {
    Field(usize),
    Any(Bound<'py, PyAny>),
}

/// An object's field names as interned Python strings, and a table that finds a name's index
/// from its address in one probe: the address, shifted and masked, picks a slot that holds
/// that name's address and index. The table and shift are the smallest found that give every name its
/// own slot.
pub struct FieldNames {
    /// Held, so that the addresses stay these names' for the life of the process.
    _names: Vec<Py<PyString>>,
    /// `(address, index)`; an empty slot's address is 0, which no object has.
    slots: Vec<(usize, usize)>,
    shift: u32,
}

impl FieldNames {
    pub fn new(py: Python<'_>, fields: &[&str]) -> Self {
        let names: Vec<Py<PyString>> = fields
            .iter()
            .map(|name| PyString::intern(py, name).unbind())
            .collect();
        let addresses: Vec<usize> = names.iter().map(|n| n.as_ptr() as usize).collect();
        let fits = |size: usize, shift: u32| {
            let mut slots = vec![(0usize, 0usize); size];
            for (i, &a) in addresses.iter().enumerate() {
                let slot = &mut slots[(a >> shift) & (size - 1)];
                if slot.0 != 0 {
                    return None;
                }
                *slot = (a, i);
            }
            Some((shift, slots))
        };
        // Tables of 4 to 256 slots a name; addresses that no shift separates (possible, if
        // rare) leave one slot per name, searched in order by `index`.
        let first = (addresses.len() * 4).next_power_of_two().max(1);
        let found = (0..7)
            .map(|doubling| first << doubling)
            .find_map(|size| (0..usize::BITS).find_map(|shift| fits(size, shift)));
        let (shift, slots) =
            found.unwrap_or_else(|| (u32::MAX, addresses.iter().copied().zip(0..).collect()));
        Self {
            _names: names,
            slots,
            shift,
        }
    }

    /// The index of the name at this address, if it is one of them.
    #[inline]
    fn index(&self, address: *mut ffi::PyObject) -> Option<usize> {
        let a = address as usize;
        if self.shift == u32::MAX {
            return self.slots.iter().find(|s| s.0 == a).map(|s| s.1);
        }
        let (at, i) = self.slots[(a >> self.shift) & (self.slots.len() - 1)];
        (at == a).then_some(i)
    }
}

/// The entries of one dict, with keys matched against an object's field names.
pub struct DictFields<'py> {
    dict: Bound<'py, PyDict>,
    pos: ffi::Py_ssize_t,
    names: &'py FieldNames,
}

impl<'py> DictFields<'py> {
    pub fn new(dict: Bound<'py, PyDict>, names: &'py FieldNames) -> Self {
        Self {
            dict,
            pos: 0,
            names,
        }
    }
}

impl<'py> Iterator for DictFields<'py> {
    type Item = (PyKey<'py>, Bound<'py, PyAny>);

    // Always: measured, it takes a third off walking a dict (see `PyFields::next`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let mut key: *mut ffi::PyObject = ptr::null_mut();
        let mut value: *mut ffi::PyObject = ptr::null_mut();
        // SAFETY: `self.dict` is a live dict that this iterator owns a reference to, and the GIL
        // is held (`'py`). `PyDict_Next` bounds-checks `pos` against the dict's current entries
        // on every call, so a dict that changes while it is read (a number's `__index__` may
        // run Python code) ends the walk early or yields its current entries, and never reads
        // outside them. It hands out borrowed references, turned into owned ones below before
        // any Python code can run.
        if unsafe {
            ffi::PyDict_Next(
                self.dict.as_ptr(),
                &raw mut self.pos,
                &raw mut key,
                &raw mut value,
            )
        } == 0
        {
            return None;
        }
        let py = self.dict.py();
        // SAFETY: `PyDict_Next` returned 1, so both are non-null borrowed references into the
        // dict, which is alive; `from_borrowed_ptr` takes a reference of our own.
        let value = unsafe { Bound::from_borrowed_ptr(py, value) };
        let key = match self.names.index(key) {
            Some(i) => PyKey::Field(i),
            // SAFETY: as for the value.
            None => PyKey::Any(unsafe { Bound::from_borrowed_ptr(py, key) }),
        };
        Some((key, value))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.dict.len()))
    }
}
