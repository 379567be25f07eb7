/** How a bundle's threshold was chosen: a structured value in the manifest, put in words in one place. */
import { Type, type StaticDecode } from '#typebox';
import { formatNumber } from '../core/format.js';
import { ThresholdObjectiveSchema } from './format.js';

/** Training's own rule, then any objective `rebuy decide` can choose by. */
export const BundleObjectiveSchema = Type.Union([
  Type.Object({ kind: Type.Literal('balanced') }, { description: "The training default: the seeds' argmax (raw probability ≥ 0.5), on calibrated probabilities." }),
  ...ThresholdObjectiveSchema.anyOf,
]);
export type BundleObjective = StaticDecode<typeof BundleObjectiveSchema>;

const amount = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** The objective as a phrase that completes "This threshold was chosen as …". */
export function objectiveInWords(objective: BundleObjective): string {
  switch (objective.kind) {
    case 'balanced':
      return "the course notebooks' rule: a raw probability of at least 0.5 on the balanced training mix, carried over to calibrated probabilities";
    case 'f1':
      return 'the threshold with the best F1 score on the validation part, a balance between finding buyers and not wasting contacts';
    case 'accuracy':
      return 'the threshold with the most correct yes/no predictions on the validation part';
    case 'topK':
      return `a budget: contact the ${objective.k.toLocaleString('en-US')} highest-scored customers`;
    case 'topFraction':
      return `a budget: contact the top ${formatNumber(objective.fraction * 100)} % of customers`;
    case 'profit':
      return `the highest expected profit from the calibrated probabilities, with a contact cost of ${amount(objective.contactCost)} and a value of ${amount(objective.valuePerReturn)} per returning customer`;
  }
}
