//! Part planning for multipart uploads: how a file of a given size is cut into parts
//! (docs/official-sdk-behaviour.md#part-size; COS's limits: docs/wire-format.md#limits).
//!
//! The official rule: the requested `ChunkSize` (≥ 1 MiB) is grown to the first size of
//! [`AUTO_SIZES_MIB`] with which the file needs at most `MaxPartNumber` parts. On top of it we cap a
//! user's chunk size at [`MAX_PART_SIZE`] (COS rejects bigger parts; the official SDK lets them
//! through) and refuse files COS cannot store, so every plan this module returns is one COS accepts.

use crate::prelude::*;
use core::fmt;

pub(crate) const MIB: u64 = 1024 * 1024;
pub(crate) const GIB: u64 = 1024 * MIB;
/// COS accepts part numbers 1..=10000.
pub(crate) const MAX_PARTS: u32 = 10_000;
/// Smallest part COS accepts (except the last one).
pub(crate) const MIN_PART_SIZE: u64 = MIB;
/// Largest part COS accepts.
pub(crate) const MAX_PART_SIZE: u64 = 5 * GIB;
/// Largest object a multipart upload can create: "48.82 TB" as COS states it, i.e. 50,000 GiB.
/// Equal to `MAX_PARTS × MAX_PART_SIZE`, so every file up to this size has a valid plan.
pub(crate) const MAX_OBJECT_SIZE: u64 = 50_000 * GIB;
/// The official SDK's automatic part sizes, smallest first.
pub(crate) const AUTO_SIZES_MIB: [u64; 14] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 5120];
/// `MaxPartNumber` is clamped to this range, as in the official SDK.
pub(crate) const MIN_MAX_PART_NUMBER: u32 = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// The file is larger than [`MAX_OBJECT_SIZE`].
    ObjectTooLarge { file_size: u64 },
}

impl PlanError {
    /// The message, built without a `Formatter`: `to_string` would write it through one over a
    /// `String`, whose `fmt::Write` vtable keeps `core::fmt::write` in the wasm.
    pub fn message(&self) -> String {
        match self {
            PlanError::ObjectTooLarge { file_size } => {
                let mut m = String::from("file size ");
                m.push_str(&file_size.to_string());
                m.push_str(" exceeds the COS object size limit of ");
                m.push_str(&MAX_OBJECT_SIZE.to_string());
                m.push_str(" bytes (48.82 TB)");
                m
            }
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for PlanError {}

/// How a file is cut into parts. Invariants (guaranteed by [`PartPlan::new`]):
/// `MIN_PART_SIZE <= part_size <= MAX_PART_SIZE`, `part_count == ceil(file_size / part_size) <= MAX_PARTS`,
/// part `n` (1-based) covers `[(n-1)·part_size, min(n·part_size, file_size))`; the parts are contiguous and
/// cover the file exactly. `file_size == 0` gives `part_count == 0` (the caller uses a simple upload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartPlan {
    pub file_size: u64,
    pub part_size: u64,
    pub part_count: u32,
}

/// One part of a plan: bytes `[start, end)` of the file.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Part {
    /// 1-based, as COS numbers parts.
    pub number: u32,
    pub start: u64,
    pub end: u64,
}

#[cfg(test)]
impl Part {
    pub(crate) fn len(&self) -> u64 {
        self.end - self.start
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

impl PartPlan {
    /// Plans `file_size` bytes. `chunk_size` is the requested part size (`ChunkSize`/`SliceSize`;
    /// `None` = 1 MiB), raised to 1 MiB and capped at 5 GiB; `max_part_number` (`MaxPartNumber`) is
    /// clamped to [1024, 10000] and only steers the automatic growth.
    ///
    /// Fails only when `file_size > MAX_OBJECT_SIZE`.
    pub fn new(file_size: u64, chunk_size: Option<u64>, max_part_number: u32) -> Result<PartPlan, PlanError> {
        if file_size > MAX_OBJECT_SIZE {
            return Err(PlanError::ObjectTooLarge { file_size });
        }
        let max_parts = u64::from(max_part_number.clamp(MIN_MAX_PART_NUMBER, MAX_PARTS));
        let requested = chunk_size.unwrap_or(MIN_PART_SIZE).clamp(MIN_PART_SIZE, MAX_PART_SIZE);
        // First automatic size with which the file fits in `max_parts` parts; the largest (5 GiB)
        // otherwise, which always fits in MAX_PARTS since file_size <= MAX_OBJECT_SIZE.
        let auto = AUTO_SIZES_MIB
            .iter()
            .map(|mib| mib * MIB)
            .find(|size| file_size.div_ceil(*size) <= max_parts)
            .unwrap_or(MAX_PART_SIZE);
        let part_size = requested.max(auto);
        // <= MAX_PARTS: part_size >= auto, and auto fits (see above), so the cast is lossless.
        let part_count = file_size.div_ceil(part_size) as u32;
        Ok(PartPlan { file_size, part_size, part_count })
    }

    /// Bytes `[start, end)` of part `part_number` (1-based). Numbers outside `1..=part_count`
    /// give an empty range (never a panic).
    pub fn range(&self, part_number: u32) -> (u64, u64) {
        if part_number == 0 || part_number > self.part_count {
            return (self.file_size, self.file_size);
        }
        let start = u64::from(part_number - 1) * self.part_size;
        let end = start.saturating_add(self.part_size).min(self.file_size);
        (start, end)
    }

    /// Length of part `part_number`; 0 outside `1..=part_count`. Every part but the last is `part_size`.
    pub fn part_len(&self, part_number: u32) -> u64 {
        let (start, end) = self.range(part_number);
        end - start
    }

    /// Part `part_number`, if it exists.
    #[cfg(test)]
    pub(crate) fn part(&self, part_number: u32) -> Option<Part> {
        if part_number == 0 || part_number > self.part_count {
            return None;
        }
        let (start, end) = self.range(part_number);
        Some(Part { number: part_number, start, end })
    }

    /// All parts in ascending order.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> impl Iterator<Item = Part> + '_ {
        (1..=self.part_count).filter_map(move |n| self.part(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(size: u64) -> PartPlan {
        PartPlan::new(size, None, MAX_PARTS).expect("plannable")
    }

    fn assert_covers(p: &PartPlan) {
        let mut next = 0;
        let mut count = 0;
        for part in p.parts() {
            count += 1;
            assert_eq!(part.number, count);
            assert_eq!(part.start, next, "contiguous at part {}", part.number);
            assert!(!part.is_empty());
            assert!(part.len() <= p.part_size);
            if part.number < p.part_count {
                assert_eq!(part.len(), p.part_size);
            }
            assert_eq!((part.start, part.end), p.range(part.number));
            assert_eq!(part.len(), p.part_len(part.number));
            next = part.end;
        }
        assert_eq!(count, p.part_count);
        assert_eq!(next, p.file_size);
        assert!(p.part_count <= MAX_PARTS);
        assert!((MIN_PART_SIZE..=MAX_PART_SIZE).contains(&p.part_size));
    }

    #[test]
    fn empty_file_has_no_parts() {
        let p = plan(0);
        assert_eq!(p.part_count, 0);
        assert_eq!(p.part_size, MIB);
        assert_eq!(p.parts().count(), 0);
        assert_eq!(p.range(1), (0, 0));
    }

    #[test]
    fn small_files() {
        let p = plan(1);
        assert_eq!((p.part_size, p.part_count), (MIB, 1));
        assert_eq!(p.range(1), (0, 1));
        let p = plan(MIB);
        assert_eq!((p.part_size, p.part_count), (MIB, 1));
        let p = plan(MIB + 1);
        assert_eq!(p.part_count, 2);
        assert_eq!(p.part_len(2), 1);
    }

    #[test]
    fn official_examples() {
        let p = plan(20 * GIB);
        assert_eq!((p.part_size, p.part_count), (4 * MIB, 5120));
        let p = plan(100 * GIB);
        assert_eq!((p.part_size, p.part_count), (16 * MIB, 6400));
    }

    #[test]
    fn grows_past_the_part_limit() {
        let p = plan(10_000 * MIB);
        assert_eq!((p.part_size, p.part_count), (MIB, 10_000));
        let p = plan(10_000 * MIB + 1);
        assert_eq!((p.part_size, p.part_count), (2 * MIB, 5001));
        // A requested size is grown the same way.
        let p = PartPlan::new(10_000 * 3 * MIB + 1, Some(3 * MIB), MAX_PARTS).unwrap();
        assert_eq!(p.part_size, 4 * MIB);
        assert_covers(&p);
    }

    #[test]
    fn max_part_number_is_clamped_and_steers_growth() {
        // 1000 is below the official minimum 1024.
        let p = PartPlan::new(2048 * MIB, None, 1000).unwrap();
        assert_eq!((p.part_size, p.part_count), (2 * MIB, 1024));
        let p = PartPlan::new(2048 * MIB, None, 50_000).unwrap();
        assert_eq!((p.part_size, p.part_count), (MIB, 2048));
        // Beyond 1024 × 5 GiB the MaxPartNumber hint cannot hold; the hard limit still does.
        let p = PartPlan::new(MAX_OBJECT_SIZE, None, 1024).unwrap();
        assert_eq!((p.part_size, p.part_count), (MAX_PART_SIZE, MAX_PARTS));
    }

    #[test]
    fn requested_sizes_are_clamped() {
        let p = PartPlan::new(10 * MIB, Some(1), MAX_PARTS).unwrap();
        assert_eq!(p.part_size, MIB);
        let p = PartPlan::new(10 * MIB, Some(3 * MIB), MAX_PARTS).unwrap();
        assert_eq!((p.part_size, p.part_count), (3 * MIB, 4));
        let p = PartPlan::new(20 * GIB, Some(u64::MAX), MAX_PARTS).unwrap();
        assert_eq!((p.part_size, p.part_count), (MAX_PART_SIZE, 4));
        assert_covers(&p);
    }

    #[test]
    fn object_size_limit() {
        let p = plan(MAX_OBJECT_SIZE);
        assert_eq!((p.part_size, p.part_count), (MAX_PART_SIZE, MAX_PARTS));
        assert_covers(&p);
        let e = PartPlan::new(MAX_OBJECT_SIZE + 1, None, MAX_PARTS).unwrap_err();
        assert_eq!(e, PlanError::ObjectTooLarge { file_size: MAX_OBJECT_SIZE + 1 });
        assert_eq!(e.to_string(), "file size 53687091200001 exceeds the COS object size limit of 53687091200000 bytes (48.82 TB)");
        assert_eq!(e.message(), e.to_string());
        assert!(PartPlan::new(u64::MAX, Some(MAX_PART_SIZE), MAX_PARTS).is_err());
    }

    #[test]
    fn out_of_range_part_numbers_are_empty() {
        let p = plan(3 * MIB + 5);
        assert_eq!(p.part_count, 4);
        assert_eq!(p.range(0), (p.file_size, p.file_size));
        assert_eq!(p.part_len(5), 0);
        assert_eq!(p.part(5), None);
        assert_eq!(p.part(u32::MAX), None);
    }

    #[test]
    fn parts_cover_many_sizes() {
        let mut sizes = vec![0, 1, 2, MIB - 1, MIB, MIB + 1, 5 * MIB + 3, 64 * MIB];
        for k in [1, 2, 4, 8, 16, 2048, 4096] {
            let edge = 10_000 * k * MIB;
            sizes.extend([edge - 1, edge, edge + 1]);
        }
        sizes.extend([MAX_OBJECT_SIZE - 1, MAX_OBJECT_SIZE]);
        // A pseudo-random spread, deterministic.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..300 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Alternate small (up to ~780 GiB) and any plannable size.
            sizes.push(x % if i % 2 == 0 { MAX_OBJECT_SIZE / 64 } else { MAX_OBJECT_SIZE + 1 });
        }
        for size in sizes {
            for chunk in [None, Some(MIB), Some(7 * MIB + 3), Some(GIB)] {
                assert_covers(&PartPlan::new(size, chunk, MAX_PARTS).unwrap());
            }
        }
    }
}
