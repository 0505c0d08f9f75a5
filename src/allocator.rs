//! The binary's global allocator: mimalloc for what a render allocates by
//! the hundred thousand (a string for nearly every scalar, a syntax tree for
//! every document), the system allocator for the few large blocks.
//!
//! mimalloc takes 9% off render's instructions and 11% off its CPU time at
//! 500 tenants (bench/RESULTS.md). On its own it also raised peak memory by
//! 40 MB at 2,000 tenants read from a pipe, as Helm feeds a post-renderer
//! (Helm 3 `pkg/postrender/exec.go`, `execRender.Run`: `cmd.StdinPipe`;
//! Helm 4 `internal/plugin/runtime_subprocess.go`, `runPostrenderer`:
//! `cmd.StdinPipe`) and as `cmp generate` reads
//! helm's output: the input grows by doubling, mimalloc moves a growing block by
//! copying it, and keeps the block it left resident for a while. With
//! glibc's malloc, which maps large blocks on their own and can grow a
//! mapping without copying (`mremap`), peak memory through a pipe is what
//! it is from a file; so blocks of [`LARGE`] bytes or more stay with it.
//!
//! Which allocator owns a block follows from its size alone: Rust hands
//! `dealloc` and `realloc` the layout the block was allocated with
//! ([`GlobalAlloc`]'s contract), so a block is freed by the allocator that
//! made it; a `realloc` across [`LARGE`] moves the block from one to the
//! other.

use std::alloc::{GlobalAlloc, Layout, System};

use mimalloc::MiMalloc;

/// The size from which a block is the system allocator's.
pub const LARGE: usize = 256 << 10;

/// mimalloc below [`LARGE`] bytes, the system allocator from there.
pub struct Allocator;

fn is_large(size: usize) -> bool {
    size >= LARGE
}

// SAFETY: every call goes to one of two allocators that are themselves
// `GlobalAlloc`s, with the caller's layout (a `realloc` across [`LARGE`],
// with a layout of the new size and the same alignment); a block is always
// handed back to the allocator that made it, since the owner is a function
// of the block's size, which the caller passes unchanged (the trait's
// contract).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if is_large(layout.size()) {
                System.alloc(layout)
            } else {
                MiMalloc.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if is_large(layout.size()) {
                System.alloc_zeroed(layout)
            } else {
                MiMalloc.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated with `layout`, so by the allocator
        // its size names.
        unsafe {
            if is_large(layout.size()) {
                System.dealloc(ptr, layout)
            } else {
                MiMalloc.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated with `layout` by the allocator its
        // size names; across [`LARGE`] the block is allocated anew by the
        // other, `layout`'s alignment kept (valid with `new_size`, by the
        // caller's contract), the bytes both sizes hold copied, and the old
        // block freed by its own allocator.
        unsafe {
            match (is_large(layout.size()), is_large(new_size)) {
                (true, true) => System.realloc(ptr, layout, new_size),
                (false, false) => MiMalloc.realloc(ptr, layout, new_size),
                _ => {
                    let new = Layout::from_size_align_unchecked(new_size, layout.align());
                    let moved = self.alloc(new);
                    if !moved.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    moved
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block of `size` bytes aligned to `align`, filled with a pattern.
    unsafe fn filled(size: usize, align: usize) -> (*mut u8, Layout) {
        let layout = Layout::from_size_align(size, align).unwrap();
        let p = unsafe { Allocator.alloc(layout) };
        assert!(!p.is_null());
        assert_eq!(p as usize % align, 0, "aligned to {align}");
        for i in 0..size {
            unsafe { p.add(i).write(i as u8) };
        }
        (p, layout)
    }

    fn holds_pattern(p: *const u8, len: usize) -> bool {
        (0..len).all(|i| unsafe { p.add(i).read() } == i as u8)
    }

    #[test]
    fn a_block_keeps_its_bytes_when_it_grows_or_shrinks_across_the_large_size() {
        for align in [1, 8, 64, 4096] {
            for (from, to) in [
                (100, LARGE + 100),
                (LARGE - 1, LARGE),
                (LARGE + 100, 100),
                (LARGE, LARGE - 1),
                (LARGE + 1, 4 * LARGE),
                (10, 1000),
            ] {
                unsafe {
                    let (p, layout) = filled(from, align);
                    let q = Allocator.realloc(p, layout, to);
                    assert!(!q.is_null());
                    assert_eq!(q as usize % align, 0, "{from} -> {to} aligned to {align}");
                    assert!(
                        holds_pattern(q, from.min(to)),
                        "{from} -> {to}, align {align}"
                    );
                    Allocator.dealloc(q, Layout::from_size_align(to, align).unwrap());
                }
            }
        }
    }

    #[test]
    fn a_block_that_cannot_grow_is_left_as_it_was() {
        // No allocator can give this much: `realloc` says so with null,
        // and the block is still the caller's, its bytes kept.
        for from in [100, LARGE + 100] {
            unsafe {
                let (p, layout) = filled(from, 8);
                let q = Allocator.realloc(p, layout, isize::MAX as usize / 2);
                assert!(q.is_null(), "{from}");
                assert!(holds_pattern(p, from), "{from}");
                Allocator.dealloc(p, layout);
            }
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_on_both_sides_of_the_large_size() {
        for size in [16, LARGE - 8, LARGE, 3 * LARGE] {
            let layout = Layout::from_size_align(size, 16).unwrap();
            unsafe {
                let p = Allocator.alloc_zeroed(layout);
                assert!(!p.is_null());
                assert!((0..size).all(|i| p.add(i).read() == 0), "{size}");
                Allocator.dealloc(p, layout);
            }
        }
    }

    #[test]
    fn a_block_grown_by_doubling_past_the_large_size_ends_whole() {
        // What reading a pipe does to the input buffer.
        unsafe {
            let (mut p, mut layout) = filled(1000, 1);
            let mut len = 1000;
            while len < 8 * LARGE {
                p = Allocator.realloc(p, layout, 2 * len);
                assert!(!p.is_null());
                layout = Layout::from_size_align(2 * len, 1).unwrap();
                assert!(holds_pattern(p, len), "grown to {}", 2 * len);
                for i in len..2 * len {
                    p.add(i).write(i as u8);
                }
                len *= 2;
            }
            Allocator.dealloc(p, layout);
        }
    }
}
