// Public surface of the metrics: clusters (NRC Eq. 6, Def. 3.2), low rank (NRC Eq. 22), collapse (NC1/NC2/NC3), NFA.
export * from './classes.ts';
export * from './clusters.ts';
export * from './lowrank.ts';
export * from './collapse.ts';
export * from './nfa.ts';
