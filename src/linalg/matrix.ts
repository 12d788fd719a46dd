// Dense row-major float64 matrix: the one numeric container of nrc (DESIGN.md, "src/linalg/").
export class Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;

  constructor(rows: number, cols: number, data?: Float64Array) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new RangeError(`Matrix: bad shape ${rows}x${cols}`);
    }
    if (data !== undefined && data.length !== rows * cols) {
      throw new RangeError(`Matrix: data length ${data.length} does not match ${rows}x${cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float64Array(rows * cols);
  }

  static zeros(rows: number, cols: number): Matrix {
    return new Matrix(rows, cols);
  }

  static eye(n: number, scale = 1): Matrix {
    const m = new Matrix(n, n);
    for (let i = 0; i < n; i++) m.data[i * n + i] = scale;
    return m;
  }

  static fill(rows: number, cols: number, value: number): Matrix {
    return new Matrix(rows, cols, new Float64Array(rows * cols).fill(value));
  }

  /** Build from nested arrays (rows of equal length). */
  static fromRows(rows: ArrayLike<number>[]): Matrix {
    const r = rows.length;
    const c = r === 0 ? 0 : rows[0].length;
    const m = new Matrix(r, c);
    for (let i = 0; i < r; i++) {
      if (rows[i].length !== c) throw new RangeError(`Matrix.fromRows: row ${i} has ${rows[i].length} entries, expected ${c}`);
      for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
    }
    return m;
  }

  static fromFunction(rows: number, cols: number, f: (i: number, j: number) => number): Matrix {
    const m = new Matrix(rows, cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.data[i * cols + j] = f(i, j);
    return m;
  }

  /** Diagonal matrix (n x n, or rows x cols when given) from a vector. */
  static diag(v: ArrayLike<number>, rows = v.length, cols = v.length): Matrix {
    const m = new Matrix(rows, cols);
    for (let i = 0; i < Math.min(v.length, rows, cols); i++) m.data[i * cols + i] = v[i];
    return m;
  }

  /** Column vector (n x 1). */
  static column(v: ArrayLike<number>): Matrix {
    return new Matrix(v.length, 1, Float64Array.from(v));
  }

  get size(): number {
    return this.data.length;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  /** Row i as a view (no copy). */
  row(i: number): Float64Array {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  /** Column j as a copy. */
  col(j: number): Float64Array {
    const out = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = this.data[i * this.cols + j];
    return out;
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  toRows(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }

  isSquare(): boolean {
    return this.rows === this.cols;
  }

  sameShape(other: Matrix): boolean {
    return this.rows === other.rows && this.cols === other.cols;
  }

  toString(): string {
    return `Matrix(${this.rows}x${this.cols})`;
  }
}

/** Throw unless a and b have the same shape. */
export function assertSameShape(a: Matrix, b: Matrix, what: string): void {
  if (!a.sameShape(b)) throw new RangeError(`${what}: shapes ${a.rows}x${a.cols} and ${b.rows}x${b.cols} differ`);
}
