// Multiply-add shared by the kernels: fused (relaxed SIMD build) or mul + add (plain SIMD build);
// ASC_FEATURE_RELAXED_SIMD picks one at compile time.

/** a * b + c, two float64 lanes. */
@inline export function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** a * b + c, four float32 lanes. */
@inline export function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
