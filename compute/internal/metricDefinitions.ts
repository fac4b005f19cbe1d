/**
 * What each internal-state metric is, in words a notebook can quote: its definition, whether
 * the states are centred, the estimator, what it compares with, and the paper it follows.
 * The API serves these beside the values (`SignalPoint.definition`, `internalMetricDefinitions`),
 * so a plot can state what it shows. Kept next to the code they describe; a change of method
 * there changes the text here and the parameters hash in services/internal.ts.
 */
import type { InternalMetricName } from './internalMetrics.js';

export interface MetricDefinition {
  readonly name: InternalMetricName;
  /** The quantity, as a formula in words. */
  readonly definition: string;
  /** Whether and how the states are centred before it is computed. */
  readonly centring: string;
  /** How it is estimated from the finite sample of stimulus words. */
  readonly estimator: string;
  /** What it compares with (CKA), or null. */
  readonly reference: string | null;
  /** The paper it follows. */
  readonly citation: string;
}

/** The states every metric is computed on. */
const ROWS =
  'Rows are the layer’s states at each stimulus word of the dataset, all runs (n words × width; extracted features take the state at the word’s last token by default, imported ones are as imported).';

export const METRIC_DEFINITIONS: Readonly<Record<InternalMetricName, MetricDefinition>> = {
  twoNN: {
    name: 'twoNN',
    definition: `${ROWS} Intrinsic dimension d from the ratio μ = r₂/r₁ of each point's second to first nearest-neighbour distance, which is Pareto(d) on a d-dimensional manifold of locally constant density.`,
    centring: 'None needed (distances do not change); the rows are centred only to keep the float64 distance ranking accurate.',
    estimator:
      'Exact duplicate rows and near-twins (closer to another point than twinTolerance × the median nearest-neighbour distance) are collapsed; exact nearest neighbours; ' +
      'the largest discardFraction of μ discarded; d fitted by least squares through the origin of −log(1 − i/N) on sorted log μ (Facco et al.; as DADApy and scikit-dimension), ' +
      'or by censored maximum likelihood when method = "mle". Scale check: the same estimate on 2 and 4 disjoint random subsets.',
    reference: null,
    citation: 'Facco, d’Errico, Rodriguez & Laio 2017, Sci. Rep. 7:12140',
  },
  effectiveRank: {
    name: 'effectiveRank',
    definition: `${ROWS} exp(−Σ pᵢ log pᵢ) with pᵢ = σᵢ/Σσ over the singular values σ of the state matrix: 1 for rank one, k for k equal singular values.`,
    centring: 'Column-centred (the mean state is subtracted), unlike Roy & Vetterli’s and RankMe’s raw-matrix definition: the large common offset of LLM states would otherwise dominate σ₁.',
    estimator: 'Plug-in: singular values from the eigenvalues of the smaller Gram matrix (XᵀX or XXᵀ, float64).',
    reference: null,
    citation: 'Roy & Vetterli 2007, EUSIPCO (eq. 2–4)',
  },
  participationRatio: {
    name: 'participationRatio',
    definition: `${ROWS} (Σλ)²/Σλ² over the eigenvalues λ of the covariance of the states, i.e. (tr C)²/‖C‖²_F.`,
    centring: 'Column-centred (a covariance).',
    estimator: 'Plug-in sample covariance (divisor n − 1, which cancels).',
    reference: null,
    citation: 'Gao et al. 2017, bioRxiv 214262; Recanatesi et al. 2019',
  },
  anisotropy: {
    name: 'anisotropy',
    definition: `${ROWS} Mean cosine similarity cos(hᵢ, hⱼ) over all pairs of distinct rows i ≠ j (≈ 0 for isotropic states, → 1 for a narrow cone).`,
    centring: 'Not centred: the common offset is what it measures.',
    estimator: 'Exact mean over all n(n − 1) ordered pairs, computed as (‖Σuᵢ‖² − n)/(n(n − 1)) with uᵢ = hᵢ/‖hᵢ‖; zero rows left out.',
    reference: null,
    citation: 'Ethayarajh 2019, EMNLP (§3.2)',
  },
  meanNorm: {
    name: 'meanNorm',
    definition: `${ROWS} Mean Euclidean norm ‖hᵢ‖₂ of the rows.`,
    centring: 'Not centred.',
    estimator: 'Exact mean over the rows.',
    reference: null,
    citation: '—',
  },
  linearCKA: {
    name: 'linearCKA',
    definition: `${ROWS} Linear CKA between the layer at this checkpoint (X) and at the reference (Y): ‖YᵀX‖²_F/(‖XᵀX‖_F·‖YᵀY‖_F), in [0, 1], invariant to rotations and isotropic scaling.`,
    centring: 'Both matrices column-centred (the "centred" of centred kernel alignment).',
    estimator: 'Exact, float64, in feature or sample space, whichever is cheaper.',
    reference: 'The previous checkpoint of the model with features for the dataset (`referenceStep`); the gap varies along log-spaced checkpoints.',
    citation: 'Kornblith, Norouzi, Lee & Hinton 2019, ICML (eq. 6, linear kernel)',
  },
  linearCKAToFinal: {
    name: 'linearCKAToFinal',
    definition: `${ROWS} Linear CKA, as linearCKA, between the layer at this checkpoint and at the model’s final checkpoint.`,
    centring: 'Both matrices column-centred.',
    estimator: 'Exact, float64.',
    reference: 'The model’s last registered checkpoint (`referenceStep`), a fixed reference for the whole curve.',
    citation: 'Kornblith, Norouzi, Lee & Hinton 2019, ICML (eq. 6, linear kernel)',
  },
};
