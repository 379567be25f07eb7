/** Types for budget.js (plain JS so the browser loads it as is). */
export declare function profitCurve(sortedDesc: ArrayLike<number>, cost: number, value: number): Float64Array;
export declare function bestBudget(curve: Float64Array): { k: number; profit: number };
export declare function expectedReturns(sortedDesc: ArrayLike<number>, k: number): number;
export declare function budgetCount(mode: 'count' | 'percent', amount: number, n: number): number;
export declare function byLikelihood(a: { probability: number | null; rank: number }, b: { probability: number | null; rank: number }): number;
export declare function csvCell(text: string): string;
export declare function contactListCsv(chosen: { id: string; probability: number | null; rank: number }[], value: number, cost: number): string;
