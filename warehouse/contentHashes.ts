// Content hashes computed in SQL, over the rows as stored (imported by migrations: no Warehouse import here).

/**
 * The content hash of a dataset's stimulus (every word with its timing), or null without words:
 * features are computed from it, so they are kept across a re-import only while it is unchanged.
 */
export const STIMULUS_HASH_SQL = stimulusHashOf('?');

function stimulusHashOf(dataset: string): string {
  return `(SELECT sha256(string_agg(w.run_id || chr(31) || w.word_index || chr(31) || w.word || chr(31) || w.onset || chr(31) || w."offset", chr(30) ORDER BY w.run_id, w.word_index))
    FROM stimulus_words w WHERE w.dataset_id = ${dataset})`;
}

/**
 * Sets each subject's `content_sha256` over everything an encoding run reads of it: the dataset's
 * runs (order, split, length), TR and stimulus, the subject's voxels' ROI labels, and its
 * responses (per run and presentation). Fields are joined with control characters (ids cannot
 * contain them), so shifting a boundary between fields does not give another dataset the same hash.
 */
export const SUBJECT_HASH_UPDATE = `UPDATE subjects SET content_sha256 = sha256(concat_ws(chr(29),
    coalesce((SELECT string_agg(r.run_id || chr(31) || r.ord || chr(31) || r.split || chr(31) || r.n_trs, chr(30) ORDER BY r.ord) FROM fmri_runs r WHERE r.dataset_id = subjects.dataset_id), ''),
    coalesce((SELECT CAST(d.tr_seconds AS VARCHAR) FROM datasets d WHERE d.dataset_id = subjects.dataset_id), ''),
    coalesce(${stimulusHashOf('subjects.dataset_id')}, ''),
    coalesce((SELECT sha256(string_agg(coalesce(v.roi, ''), chr(30) ORDER BY v.voxel)) FROM voxels v WHERE v.dataset_id = subjects.dataset_id AND v.subject_id = subjects.subject_id), ''),
    coalesce((SELECT string_agg(f.run_id || chr(31) || f.presentation || chr(31) || f.n_trs || chr(31) || sha256(f.data), chr(30) ORDER BY f.run_id, f.presentation)
              FROM fmri_responses f WHERE f.dataset_id = subjects.dataset_id AND f.subject_id = subjects.subject_id), '')))`;
