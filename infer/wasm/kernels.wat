;; The decoder's hot loops in WebAssembly SIMD (f32x4), written by hand.
;;
;; Every pointer is a byte offset into the imported memory; every count is in floats. The
;; functions mirror the plain TypeScript kernels in ../kernels.ts (same arguments, same math)
;; and are checked against them by ./kernels_test.ts.
;;
;; Throughput comes from two things in $linear. Register blocking: a tile of 2 rows x 16
;; columns keeps 8 f32x4 accumulators in registers, so each weight vector loaded serves 2 rows
;; and each input value 16 columns (x86-64 has 16 vector registers: 8 accumulators, 4 weight
;; vectors and a broadcast input fit without spilling). Packed weights: each 16-column panel is
;; contiguous, so a tile reads memory front to back instead of striding across rows.
;;
;; Rebuild the embedded bytes after editing: deno task build:wasm
(module
  (import "env" "memory" (memory 1))

  ;; ---------------------------------------------------------------------------------------
  ;; Matrix multiplication: out (rows, d) = x (rows, n) @ w (n, d) + b (d); b = 0: no bias.
  ;;
  ;; w is packed in panels of 16 columns (see pack() in kernels.ts): panel p holds columns
  ;; 16p … 16p+15 of every row, 64 contiguous bytes per row, zero-padded past d. A tile walks
  ;; its panel front to back, so the weights stream sequentially through the cache. b must be
  ;; readable up to the next multiple of 16 floats.

  ;; Stores the first cnt (1..16) floats of a0..a3 at o.
  (func $store16 (param $o i32) (param $a0 v128) (param $a1 v128) (param $a2 v128)
    (param $a3 v128) (param $cnt i32)
    (if (i32.ge_u (local.get $cnt) (i32.const 16))
      (then
        (v128.store (local.get $o) (local.get $a0))
        (v128.store offset=16 (local.get $o) (local.get $a1))
        (v128.store offset=32 (local.get $o) (local.get $a2))
        (v128.store offset=48 (local.get $o) (local.get $a3))
        (return)))
    ;; Store whole vectors, moving the next one into a0, until fewer than 4 floats are left.
    (block $last
      (br_if $last (i32.lt_u (local.get $cnt) (i32.const 4)))
      (v128.store (local.get $o) (local.get $a0))
      (local.set $a0 (local.get $a1))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $cnt (i32.sub (local.get $cnt) (i32.const 4)))
      (br_if $last (i32.lt_u (local.get $cnt) (i32.const 4)))
      (v128.store (local.get $o) (local.get $a0))
      (local.set $a0 (local.get $a2))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $cnt (i32.sub (local.get $cnt) (i32.const 4)))
      (br_if $last (i32.lt_u (local.get $cnt) (i32.const 4)))
      (v128.store (local.get $o) (local.get $a0))
      (local.set $a0 (local.get $a3))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $cnt (i32.sub (local.get $cnt) (i32.const 4))))
    (if (i32.gt_u (local.get $cnt) (i32.const 0))
      (then (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $a0)))))
    (if (i32.gt_u (local.get $cnt) (i32.const 1))
      (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $a0)))))
    (if (i32.gt_u (local.get $cnt) (i32.const 2))
      (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $a0))))))

  ;; Two rows x one panel: 8 accumulators, 4 weight vectors and a broadcast input fit in the
  ;; 16 vector registers of x86-64. o = &out[r, 16p], xp = &x[r, 0], wp = the panel,
  ;; bp = &b[16p] or 0; nb, db: row strides of x and out in bytes; cnt: columns to store.
  (func $tile2x16 (param $o i32) (param $xp i32) (param $wp i32) (param $bp i32)
    (param $n i32) (param $nb i32) (param $db i32) (param $cnt i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $s v128)
    (if (local.get $bp)
      (then
        (local.set $a0 (v128.load (local.get $bp)))
        (local.set $a1 (v128.load offset=16 (local.get $bp)))
        (local.set $a2 (v128.load offset=32 (local.get $bp)))
        (local.set $a3 (v128.load offset=48 (local.get $bp)))
        (local.set $c0 (local.get $a0)) (local.set $c1 (local.get $a1))
        (local.set $c2 (local.get $a2)) (local.set $c3 (local.get $a3))))
    (if (local.get $n)
      (then
        (loop $i
          (local.set $w0 (v128.load (local.get $wp)))
          (local.set $w1 (v128.load offset=16 (local.get $wp)))
          (local.set $w2 (v128.load offset=32 (local.get $wp)))
          (local.set $w3 (v128.load offset=48 (local.get $wp)))
          (local.set $s (v128.load32_splat (local.get $xp)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $w0))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $w1))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $w2))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $w3))))
          (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $nb))))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (local.get $w0))))
          (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (local.get $w1))))
          (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $s) (local.get $w2))))
          (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $s) (local.get $w3))))
          (local.set $wp (i32.add (local.get $wp) (i32.const 64)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
          (br_if $i (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (call $store16 (local.get $o)
      (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $cnt))
    (call $store16 (i32.add (local.get $o) (local.get $db))
      (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3) (local.get $cnt)))

  ;; One row x one panel, the shape of batch-1 decoding. Two sets of accumulators (even and odd
  ;; rows of w) halve the chains of dependent additions.
  (func $tile1x16 (param $o i32) (param $xp i32) (param $wp i32) (param $bp i32)
    (param $n i32) (param $cnt i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $s v128)
    (if (local.get $bp)
      (then
        (local.set $a0 (v128.load (local.get $bp)))
        (local.set $a1 (v128.load offset=16 (local.get $bp)))
        (local.set $a2 (v128.load offset=32 (local.get $bp)))
        (local.set $a3 (v128.load offset=48 (local.get $bp)))))
    (block $done
      (loop $i2
        (br_if $done (i32.lt_u (local.get $n) (i32.const 2)))
        (local.set $s (v128.load32_splat (local.get $xp)))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (local.get $s) (v128.load (local.get $wp)))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $wp)))))
        (local.set $a2 (f32x4.add (local.get $a2)
          (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $wp)))))
        (local.set $a3 (f32x4.add (local.get $a3)
          (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $wp)))))
        (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
        (local.set $c0 (f32x4.add (local.get $c0)
          (f32x4.mul (local.get $s) (v128.load offset=64 (local.get $wp)))))
        (local.set $c1 (f32x4.add (local.get $c1)
          (f32x4.mul (local.get $s) (v128.load offset=80 (local.get $wp)))))
        (local.set $c2 (f32x4.add (local.get $c2)
          (f32x4.mul (local.get $s) (v128.load offset=96 (local.get $wp)))))
        (local.set $c3 (f32x4.add (local.get $c3)
          (f32x4.mul (local.get $s) (v128.load offset=112 (local.get $wp)))))
        (local.set $wp (i32.add (local.get $wp) (i32.const 128)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 2)))
        (br $i2)))
    (if (local.get $n)
      (then
        (local.set $s (v128.load32_splat (local.get $xp)))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (local.get $s) (v128.load (local.get $wp)))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $wp)))))
        (local.set $a2 (f32x4.add (local.get $a2)
          (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $wp)))))
        (local.set $a3 (f32x4.add (local.get $a3)
          (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $wp)))))))
    (call $store16 (local.get $o)
      (f32x4.add (local.get $a0) (local.get $c0)) (f32x4.add (local.get $a1) (local.get $c1))
      (f32x4.add (local.get $a2) (local.get $c2)) (f32x4.add (local.get $a3) (local.get $c3))
      (local.get $cnt)))

  ;; Blocks of up to 32 rows (their inputs stay in the L2 cache); in each block, panel by
  ;; panel (a panel stays in L1/L2 while every row of the block uses it): pairs of rows, then
  ;; an odd last row alone. At batch 1 this is one pass over the weights.
  (func (export "linear") (param $out i32) (param $x i32) (param $w i32) (param $b i32)
    (param $rows i32) (param $n i32) (param $d i32)
    (local $r0 i32) (local $r1 i32) (local $r i32) (local $p i32) (local $nb i32) (local $db i32)
    (local $pb i32) (local $wp i32) (local $bp i32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $db (i32.shl (local.get $d) (i32.const 2)))
    ;; Bytes per panel: n rows of 16 floats.
    (local.set $pb (i32.shl (local.get $n) (i32.const 6)))
    (loop $block
      (local.set $r1 (select (i32.add (local.get $r0) (i32.const 32)) (local.get $rows)
        (i32.lt_u (i32.add (local.get $r0) (i32.const 32)) (local.get $rows))))
      (local.set $wp (local.get $w))
      (local.set $p (i32.const 0))
      (loop $panel
        (local.set $bp (select (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const 2)))
          (i32.const 0) (local.get $b)))
        (local.set $r (local.get $r0))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $r1)))
            (call $tile2x16
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $db)))
                (i32.shl (local.get $p) (i32.const 2)))
              (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $nb)))
              (local.get $wp) (local.get $bp)
              (local.get $n) (local.get $nb) (local.get $db) (i32.sub (local.get $d) (local.get $p)))
            (local.set $r (i32.add (local.get $r) (i32.const 2)))
            (br $pair)))
        (if (i32.lt_u (local.get $r) (local.get $r1))
          (then
            (call $tile1x16
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $db)))
                (i32.shl (local.get $p) (i32.const 2)))
              (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $nb)))
              (local.get $wp) (local.get $bp)
              (local.get $n) (i32.sub (local.get $d) (local.get $p)))))
        (local.set $wp (i32.add (local.get $wp) (local.get $pb)))
        (br_if $panel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16)))
          (local.get $d))))
      (br_if $block (i32.lt_u (local.tee $r0 (local.get $r1)) (local.get $rows)))))

  ;; ---------------------------------------------------------------------------------------
  ;; int8 weights: w[i, j] = q[i, j] * s[i] (one scale per input row, as in I8 model files),
  ;; q packed in panels of 16 columns like the f32 weights: 16 bytes per row. A quarter of the
  ;; memory traffic of f32, which is what bounds batch-1 decoding.

  ;; Dequantises one panel (n rows of 16 int8 at qp, the rows' scales at sp) to f32 at dst.
  (func $dequant_panel (param $dst i32) (param $qp i32) (param $sp i32) (param $n i32)
    (local $q v128) (local $lo v128) (local $hi v128) (local $s v128)
    (loop $i
      (local.set $q (v128.load (local.get $qp)))
      (local.set $s (v128.load32_splat (local.get $sp)))
      (local.set $lo (i16x8.extend_low_i8x16_s (local.get $q)))
      (local.set $hi (i16x8.extend_high_i8x16_s (local.get $q)))
      (v128.store (local.get $dst) (f32x4.mul (local.get $s)
        (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $lo)))))
      (v128.store offset=16 (local.get $dst) (f32x4.mul (local.get $s)
        (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $lo)))))
      (v128.store offset=32 (local.get $dst) (f32x4.mul (local.get $s)
        (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $hi)))))
      (v128.store offset=48 (local.get $dst) (f32x4.mul (local.get $s)
        (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $hi)))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (br_if $i (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))

  ;; One row x one int8 panel, converting as it goes (batch-1 decoding): x[i] s[i] is
  ;; broadcast and multiplied into the 16 converted weights of row i.
  (func $tile1x16_i8 (param $o i32) (param $xp i32) (param $qp i32) (param $sp i32)
    (param $bp i32) (param $n i32) (param $cnt i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $q v128) (local $lo v128) (local $hi v128) (local $s v128)
    (if (local.get $bp)
      (then
        (local.set $a0 (v128.load (local.get $bp)))
        (local.set $a1 (v128.load offset=16 (local.get $bp)))
        (local.set $a2 (v128.load offset=32 (local.get $bp)))
        (local.set $a3 (v128.load offset=48 (local.get $bp)))))
    (loop $i
      (local.set $q (v128.load (local.get $qp)))
      (local.set $s (f32x4.splat (f32.mul (f32.load (local.get $xp)) (f32.load (local.get $sp)))))
      (local.set $lo (i16x8.extend_low_i8x16_s (local.get $q)))
      (local.set $hi (i16x8.extend_high_i8x16_s (local.get $q)))
      (local.set $w0 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $lo))))
      (local.set $w1 (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $lo))))
      (local.set $w2 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $hi))))
      (local.set $w3 (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $hi))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $w0))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $w1))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $w2))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $w3))))
      (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
      (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (br_if $i (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (call $store16 (local.get $o)
      (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $cnt)))

  ;; out (rows, d) = x (rows, n) @ (q * s) (n, d) + b, b = 0: no bias. One row converts as it
  ;; goes; more rows dequantise each panel once per block of rows into scratch (n x 16 floats)
  ;; and run the f32 tiles on it, so batches cost about what f32 weights cost.
  (func (export "linear_i8") (param $out i32) (param $x i32) (param $q i32) (param $s i32)
    (param $b i32) (param $rows i32) (param $n i32) (param $d i32) (param $scratch i32)
    (local $r0 i32) (local $r1 i32) (local $r i32) (local $p i32) (local $nb i32) (local $db i32)
    (local $qb i32) (local $qp i32) (local $bp i32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $db (i32.shl (local.get $d) (i32.const 2)))
    ;; Bytes per int8 panel: n rows of 16.
    (local.set $qb (i32.shl (local.get $n) (i32.const 4)))
    (if (i32.eq (local.get $rows) (i32.const 1))
      (then
        (local.set $qp (local.get $q))
        (loop $panel
          (call $tile1x16_i8 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2)))
            (local.get $x) (local.get $qp) (local.get $s)
            (select (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const 2))) (i32.const 0)
              (local.get $b))
            (local.get $n) (i32.sub (local.get $d) (local.get $p)))
          (local.set $qp (i32.add (local.get $qp) (local.get $qb)))
          (br_if $panel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16)))
            (local.get $d))))
        (return)))
    (loop $block
      (local.set $r1 (select (i32.add (local.get $r0) (i32.const 32)) (local.get $rows)
        (i32.lt_u (i32.add (local.get $r0) (i32.const 32)) (local.get $rows))))
      (local.set $qp (local.get $q))
      (local.set $p (i32.const 0))
      (loop $panel
        (call $dequant_panel (local.get $scratch) (local.get $qp) (local.get $s) (local.get $n))
        (local.set $bp (select (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const 2)))
          (i32.const 0) (local.get $b)))
        (local.set $r (local.get $r0))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $r1)))
            (call $tile2x16
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $db)))
                (i32.shl (local.get $p) (i32.const 2)))
              (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $nb)))
              (local.get $scratch) (local.get $bp)
              (local.get $n) (local.get $nb) (local.get $db) (i32.sub (local.get $d) (local.get $p)))
            (local.set $r (i32.add (local.get $r) (i32.const 2)))
            (br $pair)))
        (if (i32.lt_u (local.get $r) (local.get $r1))
          (then
            (call $tile1x16
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $db)))
                (i32.shl (local.get $p) (i32.const 2)))
              (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $nb)))
              (local.get $scratch) (local.get $bp)
              (local.get $n) (i32.sub (local.get $d) (local.get $p)))))
        (local.set $qp (i32.add (local.get $qp) (local.get $qb)))
        (br_if $panel (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16)))
          (local.get $d))))
      (br_if $block (i32.lt_u (local.tee $r0 (local.get $r1)) (local.get $rows)))))

  ;; ---------------------------------------------------------------------------------------
  ;; Element-wise kernels over n4 floats (a multiple of 4; the caller does the rest).

  ;; out += x
  (func (export "add") (param $out i32) (param $x i32) (param $n4 i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n4) (i32.const 2))))
    (block $done
      (loop $i
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out)
          (f32x4.add (v128.load (local.get $out)) (v128.load (local.get $x))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $i))))

  ;; x = max(x, 0)
  (func (export "relu") (param $x i32) (param $n4 i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n4) (i32.const 2))))
    (block $done
      (loop $i
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $x) (f32x4.max (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $i))))

  ;; exp of each lane (Cephes expf: range reduction by ln 2, a degree-6 polynomial, then the
  ;; exponent bits). About 1 ulp; lanes below -87 give exactly 0, as a masked score must.
  ;; Rounding x log2(e) by adding and subtracting 1.5 * 2^23 leaves k in the low mantissa bits
  ;; of t, so t's bits shifted left by 23 are k's exponent field: no float-to-int conversion.
  (func $exp4 (param $x v128) (result v128)
    (local $t v128) (local $k v128) (local $r v128) (local $p v128) (local $keep v128)
    (local.set $keep (f32x4.ge (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $x (f32x4.min (local.get $x) (v128.const f32x4 88 88 88 88)))
    (local.set $t (f32x4.add
      (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
      (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x)
        (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $k)
        (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r))
        (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (v128.and (local.get $keep)
      (f32x4.mul (local.get $p)
        (i32x4.add (i32x4.shl (local.get $t) (i32.const 23))
          (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)))))

  ;; x = 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3), computed as the equal
  ;; x / (1 + exp(-2u)); exp's clamping makes both ends exact (0 and x).
  (func (export "gelu") (param $x i32) (param $n4 i32)
    (local $end i32) (local $a v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n4) (i32.const 2))))
    (block $done
      (loop $i
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a (v128.load (local.get $x)))
        (v128.store (local.get $x)
          (f32x4.div (local.get $a)
            (f32x4.add (v128.const f32x4 1 1 1 1)
              (call $exp4
                ;; -2u = -2 sqrt(2/pi) (a + 0.044715 a^3)
                (f32x4.mul
                  (v128.const f32x4 -1.5957691216 -1.5957691216 -1.5957691216 -1.5957691216)
                  (f32x4.add (local.get $a)
                    (f32x4.mul (v128.const f32x4 0.044715 0.044715 0.044715 0.044715)
                      (f32x4.mul (local.get $a) (f32x4.mul (local.get $a) (local.get $a))))))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $i))))

  ;; ---------------------------------------------------------------------------------------
  ;; Row kernels.

  ;; x[0..n) = softmax(x[0..n)), subtracting the max first.
  (func $softmax (export "softmax") (param $x i32) (param $n i32)
    (local $i i32) (local $max f32) (local $sum f32) (local $v v128) (local $acc v128)
    (local $m v128) (local $p i32)
    (local.set $max (f32.const -inf))
    (local.set $p (local.get $x))
    (local.set $i (local.get $n))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $max (f32.max (local.get $max) (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $each)))
    (local.set $m (f32x4.splat (local.get $max)))
    (local.set $p (local.get $x))
    (local.set $i (local.get $n))
    (block $done4
      (loop $four
        (br_if $done4 (i32.lt_u (local.get $i) (i32.const 4)))
        (local.set $v (call $exp4 (f32x4.sub (v128.load (local.get $p)) (local.get $m))))
        (v128.store (local.get $p) (local.get $v))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $v)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $i (i32.sub (local.get $i) (i32.const 4)))
        (br $four)))
    (local.set $sum (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $done1
      (loop $one
        (br_if $done1 (i32.eqz (local.get $i)))
        (local.set $v (call $exp4 (f32x4.splat (f32.sub (f32.load (local.get $p)) (local.get $max)))))
        (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v)))
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 0 (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $one)))
    (local.set $sum (f32.div (f32.const 1) (local.get $sum)))
    (local.set $p (local.get $x))
    (local.set $i (local.get $n))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $i)))
        (f32.store (local.get $p) (f32.mul (f32.load (local.get $p)) (local.get $sum)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $each))))

  ;; out (rows, d) = LN(x) * g + b per row; d a multiple of 4.
  (func (export "layer_norm") (param $out i32) (param $x i32) (param $g i32) (param $b i32)
    (param $rows i32) (param $d i32) (param $eps f32)
    (local $r i32) (local $j i32) (local $db i32) (local $acc v128) (local $t v128)
    (local $mean f32) (local $inv f32) (local $mv v128) (local $iv v128)
    (local.set $db (i32.shl (local.get $d) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $sum
          (local.set $acc (f32x4.add (local.get $acc)
            (v128.load (i32.add (local.get $x) (local.get $j)))))
          (br_if $sum (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $db))))
        (local.set $mean (f32.div
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))
          (f32.convert_i32_u (local.get $d))))
        (local.set $mv (f32x4.splat (local.get $mean)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $var
          (local.set $t (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mv)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $t) (local.get $t))))
          (br_if $var (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $db))))
        (local.set $inv (f32.div (f32.const 1) (f32.sqrt (f32.add
          (f32.div
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))
            (f32.convert_i32_u (local.get $d)))
          (local.get $eps)))))
        (local.set $iv (f32x4.splat (local.get $inv)))
        (local.set $j (i32.const 0))
        (loop $norm
          (v128.store (i32.add (local.get $out) (local.get $j))
            (f32x4.add
              (f32x4.mul
                (f32x4.mul
                  (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mv))
                  (local.get $iv))
                (v128.load (i32.add (local.get $g) (local.get $j))))
              (v128.load (i32.add (local.get $b) (local.get $j)))))
          (br_if $norm (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $db))))
        (local.set $x (i32.add (local.get $x) (local.get $db)))
        (local.set $out (i32.add (local.get $out) (local.get $db)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; The dot product of nb bytes (a multiple of 16) at a and b. Four accumulators over 64-byte
  ;; chunks keep several additions in flight instead of waiting on one chain.
  (func $dot (param $a i32) (param $b i32) (param $nb i32) (result f32)
    (local $end i32) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $end (i32.add (local.get $a) (local.get $nb)))
    (block $done64
      (loop $chunk64
        (br_if $done64 (i32.gt_u (i32.add (local.get $a) (i32.const 64)) (local.get $end)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br $chunk64)))
    (block $done16
      (loop $chunk16
        (br_if $done16 (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $chunk16)))
    (local.set $s0 (f32x4.add (f32x4.add (local.get $s0) (local.get $s1))
      (f32x4.add (local.get $s2) (local.get $s3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
      (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))

  ;; o[0 .. nb) = sum over j < keys of p[j] * (the nb bytes at v + j*kRow), 64 bytes (four
  ;; independent accumulators) at a time, then 16. kRow is in bytes.
  (func $weigh (param $o i32) (param $p i32) (param $v i32) (param $kRow i32) (param $keys i32)
    (param $nb i32)
    (local $c i32) (local $j i32) (local $vp i32) (local $pp i32) (local $pj v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $done64
      (loop $chunk64
        (br_if $done64 (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $nb)))
        (local.set $s0 (v128.const f32x4 0 0 0 0)) (local.set $s1 (v128.const f32x4 0 0 0 0))
        (local.set $s2 (v128.const f32x4 0 0 0 0)) (local.set $s3 (v128.const f32x4 0 0 0 0))
        (local.set $vp (i32.add (local.get $v) (local.get $c)))
        (local.set $pp (local.get $p))
        (local.set $j (local.get $keys))
        (loop $key
          (local.set $pj (v128.load32_splat (local.get $pp)))
          (local.set $s0 (f32x4.add (local.get $s0)
            (f32x4.mul (local.get $pj) (v128.load (local.get $vp)))))
          (local.set $s1 (f32x4.add (local.get $s1)
            (f32x4.mul (local.get $pj) (v128.load offset=16 (local.get $vp)))))
          (local.set $s2 (f32x4.add (local.get $s2)
            (f32x4.mul (local.get $pj) (v128.load offset=32 (local.get $vp)))))
          (local.set $s3 (f32x4.add (local.get $s3)
            (f32x4.mul (local.get $pj) (v128.load offset=48 (local.get $vp)))))
          (local.set $vp (i32.add (local.get $vp) (local.get $kRow)))
          (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
          (br_if $key (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
        (local.set $vp (i32.add (local.get $o) (local.get $c)))
        (v128.store (local.get $vp) (local.get $s0))
        (v128.store offset=16 (local.get $vp) (local.get $s1))
        (v128.store offset=32 (local.get $vp) (local.get $s2))
        (v128.store offset=48 (local.get $vp) (local.get $s3))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br $chunk64)))
    (block $done16
      (loop $chunk16
        (br_if $done16 (i32.ge_u (local.get $c) (local.get $nb)))
        (local.set $s0 (v128.const f32x4 0 0 0 0))
        (local.set $vp (i32.add (local.get $v) (local.get $c)))
        (local.set $pp (local.get $p))
        (local.set $j (local.get $keys))
        (loop $key
          (local.set $pj (v128.load32_splat (local.get $pp)))
          (local.set $s0 (f32x4.add (local.get $s0)
            (f32x4.mul (local.get $pj) (v128.load (local.get $vp)))))
          (local.set $vp (i32.add (local.get $vp) (local.get $kRow)))
          (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
          (br_if $key (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
        (v128.store (i32.add (local.get $o) (local.get $c)) (local.get $s0))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $chunk16))))

  ;; Multi-head attention, as attention() in ../kernels.ts; dh a multiple of 4, bias 0: none.
  ;; Strides kBatch, kRow, biasBatch are in floats.
  (func (export "attention") (param $out i32) (param $probs i32) (param $q i32) (param $k i32)
    (param $v i32) (param $bias i32) (param $batch i32) (param $rows i32) (param $keys i32)
    (param $heads i32) (param $dh i32) (param $kBatch i32) (param $kRow i32)
    (param $biasBatch i32)
    (local $b i32) (local $h i32) (local $r i32) (local $j i32)
    (local $dhb i32) (local $qp i32) (local $pp i32) (local $kp i32) (local $bp i32)
    (local $op i32) (local $scale f32)
    (local.set $dhb (i32.shl (local.get $dh) (i32.const 2)))
    (local.set $kRow (i32.shl (local.get $kRow) (i32.const 2)))
    (local.set $scale (f32.div (f32.const 1) (f32.sqrt (f32.convert_i32_u (local.get $dh)))))
    (local.set $pp (local.get $probs))
    (local.set $b (i32.const 0))
    (loop $each_b
      (local.set $h (i32.const 0))
      (loop $each_h
        (local.set $r (i32.const 0))
        (loop $each_r
          ;; qp = &q[b, r, h*dh]; the output has the same layout.
          (local.set $qp (i32.add
            (i32.shl (i32.mul (i32.add (i32.mul (local.get $b) (local.get $rows)) (local.get $r))
              (i32.mul (local.get $heads) (local.get $dh))) (i32.const 2))
            (i32.mul (local.get $h) (local.get $dhb))))
          (local.set $op (i32.add (local.get $out) (local.get $qp)))
          (local.set $qp (i32.add (local.get $q) (local.get $qp)))
          ;; kp = &k[b*kBatch + h*dh] (offset from k or v); bp = &bias[b*biasBatch]
          (local.set $kp (i32.add
            (i32.shl (i32.mul (local.get $b) (local.get $kBatch)) (i32.const 2))
            (i32.mul (local.get $h) (local.get $dhb))))
          (local.set $bp (select
            (i32.add (local.get $bias)
              (i32.shl (i32.mul (local.get $b) (local.get $biasBatch)) (i32.const 2)))
            (i32.const 0) (local.get $bias)))
          ;; Scores.
          (local.set $j (i32.const 0))
          (loop $score
            (f32.store (i32.add (local.get $pp) (i32.shl (local.get $j) (i32.const 2)))
              (f32.add
                (f32.mul (local.get $scale)
                  (call $dot (local.get $qp)
                    (i32.add (i32.add (local.get $k) (local.get $kp))
                      (i32.mul (local.get $j) (local.get $kRow)))
                    (local.get $dhb)))
                (if (result f32) (local.get $bp)
                  (then (f32.load (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2)))))
                  (else (f32.const 0)))))
            (br_if $score (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1)))
              (local.get $keys))))
          (call $softmax (local.get $pp) (local.get $keys))
          (call $weigh (local.get $op) (local.get $pp) (i32.add (local.get $v) (local.get $kp))
            (local.get $kRow) (local.get $keys) (local.get $dhb))
          (local.set $pp (i32.add (local.get $pp) (i32.shl (local.get $keys) (i32.const 2))))
          (br_if $each_r (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1)))
            (local.get $rows))))
        (br_if $each_h (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1)))
          (local.get $heads))))
      (br_if $each_b (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1)))
        (local.get $batch))))))
