import type { Leaderboard } from '../evaluate/leaderboard.js';
import type { EpochRecord } from '../model/network.js';
import type { Dataset } from './dataset.js';
import type { Candidate } from './fit.js';
import type { CandidateRun } from './repeated.js';

/** What training reports as it goes, step by step. */
export type TrainProgress =
  | { kind: 'data'; dataset: Dataset }
  | { kind: 'epoch'; record: EpochRecord; maxEpochs: number }
  | { kind: 'baseline' }
  | { kind: 'explain' }
  | { kind: 'select'; done: number; total: number; run: CandidateRun }
  | { kind: 'selected'; candidate: Candidate; leaderboard: Leaderboard };

export type ProgressListener = (event: TrainProgress) => void;
