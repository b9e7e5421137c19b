;; The decoder's hot loops in WebAssembly SIMD (f32x4), written by hand.
;;
;; Every pointer is a byte offset into the imported memory; every count is in floats. The
;; functions mirror the plain TypeScript kernels in ../kernels.ts (same arguments, same math)
;; and are checked against them by ./kernels_test.ts.
;;
;; Throughput comes from register blocking in $linear: a tile of 4 rows x 8 columns keeps 8
;; f32x4 accumulators in registers, so each weight vector loaded is used 4 times and each input
;; value 8 times. x86-64 has 16 vector registers: 8 accumulators, 2 weight vectors and a
;; broadcast input fit without spilling.
;;
;; Rebuild the embedded bytes after editing: deno task build:wasm
(module
  (import "env" "memory" (memory 1))

  ;; ---------------------------------------------------------------------------------------
  ;; Matrix multiplication: out (rows, d) = x (rows, n) @ w (n, d) + b (d); b = 0: no bias.

  ;; One tile of 4 rows x 8 columns. o = &out[r, j], xp = &x[r, 0], wp = &w[0, j],
  ;; bp = &b[j] or 0; nb, db = the row strides of x and of w/out in bytes.
  (func $tile4x8 (param $o i32) (param $xp i32) (param $wp i32) (param $bp i32)
    (param $n i32) (param $nb i32) (param $db i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $w0 v128) (local $w1 v128) (local $s v128)
    (local $nb2 i32) (local $nb3 i32)
    (local.set $nb2 (i32.shl (local.get $nb) (i32.const 1)))
    (local.set $nb3 (i32.add (local.get $nb2) (local.get $nb)))
    (if (local.get $bp)
      (then
        (local.set $a0 (v128.load (local.get $bp)))
        (local.set $a1 (v128.load offset=16 (local.get $bp)))
        (local.set $a2 (local.get $a0)) (local.set $a3 (local.get $a1))
        (local.set $a4 (local.get $a0)) (local.set $a5 (local.get $a1))
        (local.set $a6 (local.get $a0)) (local.set $a7 (local.get $a1))))
    (if (local.get $n)
      (then
        (loop $i
          (local.set $w0 (v128.load (local.get $wp)))
          (local.set $w1 (v128.load offset=16 (local.get $wp)))
          (local.set $s (v128.load32_splat (local.get $xp)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $w0))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $w1))))
          (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $nb))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $w0))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $w1))))
          (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $nb2))))
          (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $w0))))
          (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $w1))))
          (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $nb3))))
          (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $w0))))
          (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $w1))))
          (local.set $wp (i32.add (local.get $wp) (local.get $db)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
          (br_if $i (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (v128.store (local.get $o) (local.get $a0))
    (v128.store offset=16 (local.get $o) (local.get $a1))
    (local.set $o (i32.add (local.get $o) (local.get $db)))
    (v128.store (local.get $o) (local.get $a2))
    (v128.store offset=16 (local.get $o) (local.get $a3))
    (local.set $o (i32.add (local.get $o) (local.get $db)))
    (v128.store (local.get $o) (local.get $a4))
    (v128.store offset=16 (local.get $o) (local.get $a5))
    (local.set $o (i32.add (local.get $o) (local.get $db)))
    (v128.store (local.get $o) (local.get $a6))
    (v128.store offset=16 (local.get $o) (local.get $a7)))

  ;; One row x 16 columns, the shape of batch-1 decoding: four independent accumulators hide
  ;; the latency of the additions.
  (func $tile1x16 (param $o i32) (param $xp i32) (param $wp i32) (param $bp i32)
    (param $n i32) (param $db i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s v128)
    (if (local.get $bp)
      (then
        (local.set $a0 (v128.load (local.get $bp)))
        (local.set $a1 (v128.load offset=16 (local.get $bp)))
        (local.set $a2 (v128.load offset=32 (local.get $bp)))
        (local.set $a3 (v128.load offset=48 (local.get $bp)))))
    (if (local.get $n)
      (then
        (loop $i
          (local.set $s (v128.load32_splat (local.get $xp)))
          (local.set $a0
            (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load (local.get $wp)))))
          (local.set $a1
            (f32x4.add (local.get $a1)
              (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $wp)))))
          (local.set $a2
            (f32x4.add (local.get $a2)
              (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $wp)))))
          (local.set $a3
            (f32x4.add (local.get $a3)
              (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $wp)))))
          (local.set $wp (i32.add (local.get $wp) (local.get $db)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
          (br_if $i (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (v128.store (local.get $o) (local.get $a0))
    (v128.store offset=16 (local.get $o) (local.get $a1))
    (v128.store offset=32 (local.get $o) (local.get $a2))
    (v128.store offset=48 (local.get $o) (local.get $a3)))

  ;; One row x 4 columns, for the columns left over by the wider tiles.
  (func $tile1x4 (param $o i32) (param $xp i32) (param $wp i32) (param $bp i32)
    (param $n i32) (param $db i32)
    (local $a v128)
    (if (local.get $bp) (then (local.set $a (v128.load (local.get $bp)))))
    (if (local.get $n)
      (then
        (loop $i
          (local.set $a
            (f32x4.add (local.get $a)
              (f32x4.mul (v128.load32_splat (local.get $xp)) (v128.load (local.get $wp)))))
          (local.set $wp (i32.add (local.get $wp) (local.get $db)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
          (br_if $i (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (v128.store (local.get $o) (local.get $a)))

  ;; One row x 1 column, for d not a multiple of 4.
  (func $tile1x1 (param $o i32) (param $xp i32) (param $wp i32) (param $bp i32)
    (param $n i32) (param $db i32)
    (local $a f32)
    (if (local.get $bp) (then (local.set $a (f32.load (local.get $bp)))))
    (if (local.get $n)
      (then
        (loop $i
          (local.set $a
            (f32.add (local.get $a) (f32.mul (f32.load (local.get $xp)) (f32.load (local.get $wp)))))
          (local.set $wp (i32.add (local.get $wp) (local.get $db)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
          (br_if $i (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (f32.store (local.get $o) (local.get $a)))

  ;; Columns j0 .. d-1 of one row with the 1-row tiles. o, xp: row r of out and x.
  (func $row_tail (param $o i32) (param $xp i32) (param $w i32) (param $b i32)
    (param $n i32) (param $d i32) (param $j i32)
    (local $db i32) (local $jb i32)
    (local.set $db (i32.shl (local.get $d) (i32.const 2)))
    (block $done16
      (loop $j16
        (br_if $done16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $d)))
        (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
        (call $tile1x16 (i32.add (local.get $o) (local.get $jb)) (local.get $xp)
          (i32.add (local.get $w) (local.get $jb))
          (select (i32.add (local.get $b) (local.get $jb)) (i32.const 0) (local.get $b))
          (local.get $n) (local.get $db))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $j16)))
    (block $done4
      (loop $j4
        (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $d)))
        (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
        (call $tile1x4 (i32.add (local.get $o) (local.get $jb)) (local.get $xp)
          (i32.add (local.get $w) (local.get $jb))
          (select (i32.add (local.get $b) (local.get $jb)) (i32.const 0) (local.get $b))
          (local.get $n) (local.get $db))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $j4)))
    (block $done1
      (loop $j1
        (br_if $done1 (i32.ge_u (local.get $j) (local.get $d)))
        (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
        (call $tile1x1 (i32.add (local.get $o) (local.get $jb)) (local.get $xp)
          (i32.add (local.get $w) (local.get $jb))
          (select (i32.add (local.get $b) (local.get $jb)) (i32.const 0) (local.get $b))
          (local.get $n) (local.get $db))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j1))))

  (func (export "linear") (param $out i32) (param $x i32) (param $w i32) (param $b i32)
    (param $rows i32) (param $n i32) (param $d i32)
    (local $r i32) (local $j i32) (local $k i32) (local $jb i32)
    (local $nb i32) (local $db i32) (local $o i32) (local $xp i32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $db (i32.shl (local.get $d) (i32.const 2)))
    ;; Blocks of 4 rows: 8-column tiles, then the rest of each row alone.
    (block $done4
      (loop $r4
        (br_if $done4 (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $db))))
        (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $nb))))
        (local.set $j (i32.const 0))
        (block $done8
          (loop $j8
            (br_if $done8 (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $d)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
            (call $tile4x8 (i32.add (local.get $o) (local.get $jb)) (local.get $xp)
              (i32.add (local.get $w) (local.get $jb))
              (select (i32.add (local.get $b) (local.get $jb)) (i32.const 0) (local.get $b))
              (local.get $n) (local.get $nb) (local.get $db))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $j8)))
        (if (i32.lt_u (local.get $j) (local.get $d))
          (then
            (local.set $k (i32.const 0))
            (loop $each
              (call $row_tail
                (i32.add (local.get $o) (i32.mul (local.get $k) (local.get $db)))
                (i32.add (local.get $xp) (i32.mul (local.get $k) (local.get $nb)))
                (local.get $w) (local.get $b) (local.get $n) (local.get $d) (local.get $j))
              (br_if $each
                (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 4))))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $r4)))
    ;; The last rows one at a time (all of them at batch 1).
    (block $done1
      (loop $r1
        (br_if $done1 (i32.ge_u (local.get $r) (local.get $rows)))
        (call $row_tail
          (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $db)))
          (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $nb)))
          (local.get $w) (local.get $b) (local.get $n) (local.get $d) (i32.const 0))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r1))))

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

  ;; exp of each lane (Cephes expf: range reduction by ln 2, degree-6 polynomial, then the
  ;; exponent bits). About 1 ulp; lanes below -87 give exactly 0, as a masked score must.
  (func $exp4 (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128) (local $keep v128)
    (local.set $keep (f32x4.ge (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $x (f32x4.min (local.get $x) (v128.const f32x4 88 88 88 88)))
    (local.set $k (f32x4.nearest
      (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
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
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127))
          (i32.const 23)))))

  ;; x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), with tanh(u) = 1 - 2 / (exp(2u) + 1)
  (func (export "gelu") (param $x i32) (param $n4 i32)
    (local $end i32) (local $a v128) (local $u v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n4) (i32.const 2))))
    (block $done
      (loop $i
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a (v128.load (local.get $x)))
        ;; 2u = 2 sqrt(2/pi) (a + 0.044715 a^3)
        (local.set $u (f32x4.mul
          (v128.const f32x4 1.5957691216 1.5957691216 1.5957691216 1.5957691216)
          (f32x4.add (local.get $a)
            (f32x4.mul (v128.const f32x4 0.044715 0.044715 0.044715 0.044715)
              (f32x4.mul (local.get $a) (f32x4.mul (local.get $a) (local.get $a)))))))
        (v128.store (local.get $x)
          (f32x4.mul (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $a))
            (f32x4.sub (v128.const f32x4 2 2 2 2)
              (f32x4.div (v128.const f32x4 2 2 2 2)
                (f32x4.add (call $exp4 (local.get $u)) (v128.const f32x4 1 1 1 1))))))
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

  ;; Multi-head attention, as attention() in ../kernels.ts; dh a multiple of 4, bias 0: none.
  ;; Strides kBatch, kRow, biasBatch are in floats.
  (func (export "attention") (param $out i32) (param $probs i32) (param $q i32) (param $k i32)
    (param $v i32) (param $bias i32) (param $batch i32) (param $rows i32) (param $keys i32)
    (param $heads i32) (param $dh i32) (param $kBatch i32) (param $kRow i32)
    (param $biasBatch i32)
    (local $b i32) (local $h i32) (local $r i32) (local $j i32) (local $c i32)
    (local $dhb i32) (local $qp i32) (local $pp i32) (local $kp i32) (local $bp i32)
    (local $op i32) (local $acc v128) (local $scale f32)
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
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $c (i32.const 0))
            (loop $dot
              (local.set $acc (f32x4.add (local.get $acc)
                (f32x4.mul (v128.load (i32.add (local.get $qp) (local.get $c)))
                  (v128.load (i32.add (i32.add (local.get $k) (local.get $kp))
                    (i32.add (i32.mul (local.get $j) (local.get $kRow)) (local.get $c)))))))
              (br_if $dot (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16)))
                (local.get $dhb))))
            (f32.store (i32.add (local.get $pp) (i32.shl (local.get $j) (i32.const 2)))
              (f32.add
                (f32.mul (local.get $scale)
                  (f32.add
                    (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                    (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
                (if (result f32) (local.get $bp)
                  (then (f32.load (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2)))))
                  (else (f32.const 0)))))
            (br_if $score (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1)))
              (local.get $keys))))
          (call $softmax (local.get $pp) (local.get $keys))
          ;; out = sum_j p_j v_j, four columns at a time.
          (local.set $c (i32.const 0))
          (loop $col
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (loop $weigh
              (local.set $acc (f32x4.add (local.get $acc)
                (f32x4.mul
                  (v128.load32_splat (i32.add (local.get $pp) (i32.shl (local.get $j) (i32.const 2))))
                  (v128.load (i32.add (i32.add (local.get $v) (local.get $kp))
                    (i32.add (i32.mul (local.get $j) (local.get $kRow)) (local.get $c)))))))
              (br_if $weigh (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1)))
                (local.get $keys))))
            (v128.store (i32.add (local.get $op) (local.get $c)) (local.get $acc))
            (br_if $col (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16)))
              (local.get $dhb))))
          (local.set $pp (i32.add (local.get $pp) (i32.shl (local.get $keys) (i32.const 2))))
          (br_if $each_r (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1)))
            (local.get $rows))))
        (br_if $each_h (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1)))
          (local.get $heads))))
      (br_if $each_b (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1)))
        (local.get $batch))))))
