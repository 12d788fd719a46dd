// Shell quoting for the commands nrc prints (a resume command must paste back as typed).

/** One argument, quoted for a POSIX shell only when it needs it. */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellQuote(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
