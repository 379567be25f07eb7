#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { asSystemError, exitCodeOf, isRebuyError, usageError } from '../errors.js';
import { cleanUpOnSignals } from './signals.js';
import { collectList, flagsByOptionName, inFlagTerms, MODEL_REF_HELP, parseIntOption, parseListOption, parseMemoryOption, parseNumberOption, readingOptions, storeOption } from './options.js';
import { CALIBRATION_METHODS, DEFAULT_CALIBRATION, FEATURES_DEFAULTS, MONITOR_DEFAULTS, NEW_TABLE_DEFAULTS, SERVE_DEFAULTS, SCORING_DEFAULTS, SERVER_LIMITS, SPLIT_DEFAULTS } from '../config.js';

const BALANCE = new Option('--balance <mode>', 'balance classes: random | first (as the course notebook) | weights')
  .choices(['random', 'first', 'weights'])
  .default(undefined, `${SPLIT_DEFAULTS.balance} on the Audiobooks table, ${NEW_TABLE_DEFAULTS.balance} on any other`);
const SPLIT = new Option('--split <ratios>', 'train,validation,test shares').default(SPLIT_DEFAULTS.split.join(','));
const SEED = new Option('--seed <n>', 'random seed: the same seed gives the same result').argParser(parseIntOption).default(SPLIT_DEFAULTS.seed);
const JSON_OUT = new Option('--json', 'print machine-readable JSON on stdout');
const TARGET = new Option('--target <col>', 'target column (0/1, yes/no, true/false or y/n), for tables other than the Audiobooks schema');
const POSITIVE = new Option('--positive <value>', "the target's value that means 1 (bought again), when its two values are not yes/no, true/false, y/n or 1/0");
const UPLIFT_CONTACT_COST = new Option('--contact-cost <c>', 'uplift bundles: cost of one contact (with --value-per-return: which treatment to send, expected incremental profit)').argParser(parseNumberOption);
const UPLIFT_VALUE_PER_RETURN = new Option('--value-per-return <v>', 'uplift bundles: value of one customer who buys because of the contact').argParser(parseNumberOption);
const ID = new Option('--id <col>', 'customer ID column, for tables other than the Audiobooks schema');

function dataOptions(cmd: Command): Command {
  return readingOptions(cmd)
    .option('--data <file>', 'customer table (CSV or Parquet) to split into train/validation/test')
    .option('--train <file>', 'your own training part (instead of --data)')
    .option('--valid <file>', 'your own validation part')
    .option('--test <file>', 'your own test part')
    .addOption(TARGET)
    .addOption(POSITIVE)
    .addOption(ID);
}

/** Runs a command body; a thrown error becomes a clear message on stderr and an exit code (2: your input, 1: ours). */
async function run(program: Command, body: () => Promise<void>, options: { signals?: 'own' } = {}): Promise<void> {
  // `serve` handles its signals itself (a graceful stop); every other command cleans up and ends.
  if (options.signals !== 'own') cleanUpOnSignals();
  try {
    await body();
  } catch (err) {
    reportError(program, err);
  }
}

function reportError(program: Command, thrown: unknown): void {
  // The machine refusing a file or a port is not a bug of ours: one line naming it, exit 2.
  const err = asSystemError(thrown) ?? thrown;
  if (isRebuyError(err)) {
    process.stderr.write(`rebuy: ${inFlagTerms(err.message, flagsByOptionName(program))}\n`);
    if (err.exitCode === 1 && err.cause) process.stderr.write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
  } else {
    process.stderr.write(`rebuy: internal error (please report it): ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exitCode = exitCodeOf(err);
}

function buildProgram(): Command {
  const program = new Command('rebuy')
    .description('Predict which customers will buy again, and decide whom to contact.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('demo')
    .description('Generate a synthetic Audiobooks sample (or use --data), train, evaluate, save a model and score customers')
    .option('--data <file>', 'use this customer table instead of the synthetic sample')
    .option('--out <dir>', 'where to write the sample, the model and the scores', 'rebuy-demo')
    .option('--rows <n>', 'rows in the synthetic sample', parseIntOption, 14_000)
    .addOption(SEED)
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./demo.js')).runDemo(opts)));

  dataOptions(program.command('prep'))
    .description('Balance, shuffle and split a table; write the parts as .npz (NumPy) and CSV')
    .requiredOption('--out <dir>', 'directory for the parts')
    .addOption(BALANCE)
    .addOption(SPLIT)
    .addOption(SEED)
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./prep.js')).runPrep(opts)));

  dataOptions(program.command('train'))
    .description('Train the network (and the logistic baseline), evaluate it, and save a model bundle')
    .requiredOption('--out <dir>', 'model bundle directory to write')
    .option('--preset <name>', 'network preset: 2x10, 2x50 or 3x50 (the seed notebooks\' networks; default 2x50)')
    .option('--model <auto|logistic>', 'auto: choose the configuration by 5-fold cross-validation on the training part; logistic: the logistic regression as the model')
    .option('--horizon <span>', 'on a customer table from `rebuy features`: its --horizon, over which BG/NBD (compared on the leaderboard) predicts', FEATURES_DEFAULTS.horizon)
    .option('--derived', 'add derived features (Audiobooks: books bought, listened at all, review given, log of long-tailed columns)')
    .addOption(new Option('--calibration <method>', 'probability correction for the natural class mix').choices(CALIBRATION_METHODS).default(DEFAULT_CALIBRATION))
    .option('--hidden <widths>', 'hidden layer widths, e.g. 50,50', parseListOption)
    .option('--activation <fn>', 'hidden activation: relu | tanh | sigmoid')
    .option('--output <fn>', 'output activation: softmax | sigmoid')
    .option('--learning-rate <x>', 'Adam learning rate', parseNumberOption)
    .option('--batch <n>', 'batch size', parseIntOption)
    .option('--epochs <n>', 'maximum epochs', parseIntOption)
    .option('--patience <n>', 'early-stopping patience (epochs without a better validation loss)', parseIntOption)
    .option('--restore-best', "keep the weights of the epoch with the lowest validation loss (default: the last epoch's, as the notebooks' Keras)")
    .option('--no-baseline', 'skip the logistic-regression baseline')
    .option('--register <name>', 'after saving, add the bundle to the model store as NAME\'s next version (NAME/vN)')
    .option('--alias <alias>', 'with --register: point this alias (e.g. challenger) at the new version')
    .addOption(storeOption())
    .option('--treatment <col>', 'uplift: the column saying who was contacted (0/1, or named groups with one control group); trains uplift models instead')
    .option('--control <value>', 'uplift: the control group\'s value in --treatment (default: found by name, e.g. 0, no, none, control)')
    .option('--ignore <cols>', 'uplift: columns that are not features (other outcomes of the test), e.g. conversion,spend', (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .addOption(new Option('--learners <kind>', 'uplift: choose among the logistic learners only, or among all (network too)').choices(['logistic', 'all']))
    .addOption(BALANCE)
    .addOption(SPLIT)
    .addOption(SEED)
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./train.js')).runTrain(opts)));

  program
    .command('features')
    .description('Turn a purchase log (one row per order) into a customer table at a cutoff date, with the target from the horizon after it')
    .requiredOption('--transactions <file>', 'purchase log: CSV with a header, Parquet, or header-less text named by --columns')
    .requiredOption('--customer <col>', 'customer ID column')
    .requiredOption('--date <col>', 'purchase date column (YYYY-MM-DD, YYYYMMDD or a timestamp)')
    .option('--amount <col>', 'order amount column (adds mean, total and repeat-purchase value)')
    .option('--columns <names>', 'names of the fields of a header-less file, comma-separated; fields are split at a comma or a run of spaces/tabs')
    .requiredOption('--cutoff <date>', 'last day of the observation period: features use purchases up to and including it')
    .option('--horizon <span>', 'the period after the cutoff for the target, in days (180d) or weeks (26w)', FEATURES_DEFAULTS.horizon)
    .option('--memory-limit <size>', 'DuckDB\'s memory while summarising the log (it spills to a temporary directory beyond)', FEATURES_DEFAULTS.memoryLimit)
    .requiredOption('--out <file>', 'customer table to write (.csv or .parquet)')
    .option('--allow-returns', 'accept negative amounts (returns) instead of refusing them')
    .option('--outcome-counts', 'also write purchases_after and value_after (outcomes in the horizon: not features; leave them out of train)')
    .option('--bgnbd', 'add BG/NBD\'s P(alive), expected purchases and P(at least one) in the horizon (and Gamma-Gamma\'s expected spend, with --amount) as features, fitted on the data up to the cutoff')
    .addOption(JSON_OUT)
    .addHelpText(
      'after',
      '\nSame-day purchases of one customer count as one transaction (amounts summed): frequency is the number of repeat\n' +
        'purchase days, recency the days from the first to the last, age the days from the first to the cutoff.\n' +
        'Target "bought_again": 1 if the customer bought within the horizon after the cutoff (written when the log runs past it).',
    )
    .action((opts) => run(program, async () => (await import('./features.js')).runFeatures(opts)));

  program
    .command('evaluate')
    .description('Metrics of a saved model on a labelled table: natural class mix and a balanced sample')
    .requiredOption('--model <ref>', MODEL_REF_HELP)
    .addOption(storeOption())
    .requiredOption('--data <file>', 'labelled customer table (CSV or Parquet)')
    .addOption(SEED)
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./evaluate.js')).runEvaluate(opts)));

  readingOptions(program
    .command('monitor'))
    .description("Compare a new customer list with the model's training profile, without labels: drift per feature and of the scores, performance and profit estimated from the calibrated probabilities (exit 3 on an alert); or, with --history alone, the trend of recorded runs")
    .option('--model <ref>', `${MODEL_REF_HELP}; a version in the store keeps its runs beside it`)
    .addOption(storeOption())
    .option('--data <file>', 'customer list to monitor (CSV or Parquet); a target column adds the measured metrics')
    .option('--threshold <share>', `share of features that must drift to alert (default ${MONITOR_DEFAULTS.alertShare}; drifted scores always alert)`, parseNumberOption)
    .option('--history <dir|name>', 'directory of recorded runs: with --data, the run is recorded there; alone, prints their trend (a NAME that is not a directory: that model\'s runs in the store)')
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./monitor.js')).runMonitor(opts)));

  program
    .command('compare')
    .description('Compare the presets, the logistic baseline and your networks on the same folds or splits: a leaderboard with intervals')
    .requiredOption('--data <file>', 'labelled customer table (CSV or Parquet)')
    .option('--folds <k>', 'k-fold cross-validation (default: 20 random splits)', parseIntOption)
    .option('--repeats <n>', 'number of random splits when not using folds', parseIntOption)
    .option('--presets <names>', 'comma-separated presets to include (default: all; empty for none)')
    .option('--hidden <widths>', 'add a network with these hidden widths, e.g. 100,50 (repeatable)', collectList, [])
    .option('--no-baseline', 'leave out the logistic-regression baseline')
    .option('--rank-by <metric>', 'naturalRocAuc | balancedAccuracy | naturalPrAuc | naturalBrier | naturalLogLoss')
    .option('--horizon <span>', 'on a customer table from `rebuy features`: its --horizon, over which BG/NBD (compared on the leaderboard) predicts', FEATURES_DEFAULTS.horizon)
    .addOption(TARGET)
    .addOption(POSITIVE)
    .addOption(ID)
    .addOption(BALANCE)
    .addOption(SPLIT)
    .addOption(SEED)
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./compare.js')).runCompare(opts)));

  readingOptions(program
    .command('audit'))
    .description('Check a customer table before training: balance, missing values, duplicates, filled-in values, leakage suspects')
    .requiredOption('--data <file>', 'customer table (CSV or Parquet)')
    .addOption(TARGET)
    .addOption(ID)
    .option('--treatment <col>', 'audit a randomized test instead: group sizes and treated-vs-control balance of every feature')
    .option('--control <value>', "with --treatment: the control group's value (default: found by name)")
    .option('--planned <shares>', 'with --treatment: the planned split, e.g. "No E-Mail=1,Mens E-Mail=1,Womens E-Mail=1" (default: equal)')
    .option('--ignore <cols>', "with --treatment: columns that are not features (the test's outcomes)", (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./audit.js')).runAudit(opts)));

  program
    .command('decide')
    .description('Choose whom to contact without the labels the list is judged on (profit: by expected profit; a budget: no labels; accuracy, F1: on the validation part), then judge it: gains, lift, expected and realized profit with an interval')
    .requiredOption('--model <ref>', `${MODEL_REF_HELP}; the threshold is saved into it (a directory only)`)
    .addOption(storeOption())
    .option('--data <file>', 'labelled customers to choose the list among and judge it on (default: the natural test part kept in the bundle)')
    .option('--objective <kind>', 'accuracy | f1 | budget | profit | incremental-profit (uplift bundles) (default: implied by the other flags, else f1)')
    .option('--top <k>', 'budget: contact the top k customers', parseIntOption)
    .option('--top-percent <x>', 'budget: contact the top x % of customers', parseNumberOption)
    .option('--contact-cost <c>', 'cost of contacting one customer', parseNumberOption)
    .option('--value-per-return <v>', 'value of one customer who buys again', parseNumberOption)
    .option('--value-column <col>', 'each customer\'s own value if they buy again, from this column of --data (e.g. gg_expected_spend from `rebuy features --bgnbd`), instead of --value-per-return')
    .option('--no-save', 'only show the decision; leave the bundle as it is')
    .addOption(SEED)
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./decide.js')).runDecide(opts)));

  readingOptions(program
    .command('score'))
    .description('Score customers: writes id, probability of buying again, label and rank (1 = most likely), best first, equal probabilities in file order (CSV or Parquet)')
    .requiredOption('--model <ref>', MODEL_REF_HELP)
    .addOption(storeOption())
    .option('--in <file>', 'customer table to score (CSV or Parquet)')
    .option('--out <file>', 'scores file to write (.csv or .parquet; - for CSV on standard output)')
    .option('--reasons <n>', 'add the top n reasons behind each score, in words', parseIntOption)
    .option('--group <name=columns>', 'explain these columns as one fact in the reasons, e.g. --group spend=history,history_segment (repeatable; other tables than Audiobooks)', (v: string, previous: string[]) => [...previous, v], [])
    .option('--skip-bad-rows', 'score the rows the model can take; the others go, with their reasons, to OUT.bad-rows.csv')
    .option('--path <path>', 'a local file: sql (DuckDB runs the compiled pipeline) or onnx (streaming onnxruntime); default: the faster for the model\'s size (sql for the logistic model)')
    .option('--memory-limit <size>', `a local file: the memory DuckDB may hold the scored list in before it spills to disk, e.g. 1GB (default: ${SCORING_DEFAULTS.memoryLimit} to rank; more for tens of millions of long IDs)`, parseMemoryOption)
    .option('--engine <engine>', 'score inside an engine: duckdb (with --in/--out files, or --database FILE --in-table NAME), postgres://USER@HOST:PORT/DB (with --in-table NAME), or spark (--in Parquet or --in-table NAME, --out a directory of Parquet files, --master); writes id, probability, label, rank, model_version, scored_at (an uplift bundle: its own columns)')
    .option('--database <file>', 'with --engine duckdb: the DuckDB database file holding --in-table')
    .option('--in-table <name>', 'with --engine: the table of customers (schema.table allowed)')
    .option('--out-table <name>', 'with --engine: the scores table to write, replaced in one transaction (default: scores)')
    .addOption(UPLIFT_CONTACT_COST)
    .addOption(UPLIFT_VALUE_PER_RETURN)
    .option('--master <url>', 'with --engine spark: local[N] or spark://HOST:PORT')
    .option('--spark-conf <key=value>', 'with --engine spark: a Spark setting (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--id <col>', 'with --engine: the id column (default: the model schema\'s)')
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./score.js')).runScore(opts)));

  program
    .command('sql')
    .description('Print one SQL statement that scores a table where it lives: the whole pipeline (imputation, flags, derived features, one-hot, scaling, every layer, calibration, threshold) compiled from the bundle; returns id, probability, label, rank (an uplift bundle: the columns `rebuy score` writes for it)')
    .requiredOption('--model <ref>', MODEL_REF_HELP)
    .addOption(storeOption())
    .requiredOption('--dialect <name>', 'SQL dialect: duckdb, postgres, trino, bigquery, snowflake or spark')
    .option('--table <name>', 'table of raw customer columns (schema.table allowed; default: customers)')
    .option('--query <sql>', 'a query returning the raw customer columns, instead of a table')
    .option('--id <column>', "the id column (default: the bundle schema's)")
    .option('--no-rank', 'leave out rank and the ordering by it')
    .addOption(UPLIFT_CONTACT_COST)
    .addOption(UPLIFT_VALUE_PER_RETURN)
    .action((opts) => run(program, async () => (await import('./sql.js')).runSql(opts)));

  program
    .command('export')
    .description('Write the model for another platform: --format mlflow, an MLflow model folder (ONNX flavor) whose pyfunc returns the probability of buying again')
    .requiredOption('--model <dir>', 'model bundle directory')
    .requiredOption('--format <name>', 'mlflow')
    .requiredOption('--out <dir>', 'the folder to write (replaces an earlier export, nothing else)')
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => (await import('./export.js')).runExport(opts)));

  program
    .command('report')
    .description('Write the model report: one self-contained HTML file a marketer reads top to bottom')
    .requiredOption('--model <ref>', MODEL_REF_HELP)
    .addOption(storeOption())
    .option('--out <file>', 'HTML file to write (default: <model>/report.html; - for standard output)')
    .option('--history <dir>', 'add the trend of the monitoring runs recorded in this directory (rebuy monitor --history); needs --out')
    .addOption(JSON_OUT)
    .action((opts) => run(program, async () => void (await (await import('./report.js')).runReport(opts))));

  program
    .command('serve')
    .description('Serve a model over HTTP (JSON API, CSV scoring, OpenAPI docs) with a web page for the marketing team')
    .requiredOption('--model <ref>', `${MODEL_REF_HELP}; NAME@ALIAS follows the alias: a promote swaps the new version in`)
    .addOption(storeOption())
    .option('--host <host>', 'address to bind (anything but loopback requires an API key)', SERVE_DEFAULTS.host)
    .option('--port <n>', 'port', parseIntOption, SERVE_DEFAULTS.port)
    .option('--api-key-file <file>', 'file holding the API key (or set REBUY_API_KEY)')
    .option('--max-batch <n>', 'most customers in one JSON request', parseIntOption, SERVER_LIMITS.maxBatch)
    .option('--max-upload-mb <n>', 'largest CSV upload in MB', parseIntOption, SERVER_LIMITS.maxUploadBytes / (1024 * 1024))
    .option('--rate-limit <n>', 'requests per minute per key (0: off)', parseIntOption)
    .option('--cors <origin>', 'allow this origin (CORS is off by default)')
    .option('--models-root <dir>', 'POST /v1/model/reload may load bundle directories inside this one (default: only --model)')
    .action((opts) => run(program, async () => void (await (await import('./serve.js')).runServe(opts)), { signals: 'own' }));

  const models = program
    .command('models')
    .description('The model store: versions NAME/vN, aliases NAME@ALIAS (champion, challenger, …), their moves; --store DIR or $REBUY_STORE (default ./rebuy-models)');
  const storeCommand = (name: string, description: string): Command => models.command(name).description(description).addOption(storeOption()).addOption(JSON_OUT);
  storeCommand('list [name]', 'Versions with their created time, data fingerprint, headline metrics and aliases')
    .action((name: string | undefined, opts) => run(program, async () => (await import('./models.js')).runModelsList(name, opts)));
  storeCommand('show <ref>', 'One version (NAME/vN or NAME@ALIAS), verified: metrics, training data, alias moves')
    .action((ref: string, opts) => run(program, async () => (await import('./models.js')).runModelsShow(ref, opts)));
  storeCommand('diff <a> <b>', 'B against A: metrics side by side, ROC-AUC on the same customers with a paired interval, schema and configuration changes')
    .option('--data <file>', 'labelled customers to score both on (default: their shared held-out part, when they have one)')
    .addOption(SEED)
    .action((a: string, b: string, opts) => run(program, async () => (await import('./models.js')).runModelsDiff(a, b, opts)));
  storeCommand('history <name>', 'Every alias move of a model: time, alias, versions, who, reason')
    .action((name: string, opts) => run(program, async () => (await import('./models.js')).runModelsHistory(name, opts)));
  storeCommand('promote <version>', 'Point an alias at a version (NAME/vN) that passes verification; recorded with the time and reason')
    .requiredOption('--to <alias>', 'the alias, e.g. champion')
    .option('--reason <text>', 'why, for the record')
    .action((ref: string, opts) => run(program, async () => (await import('./models.js')).runModelsPromote(ref, opts)));
  storeCommand('rollback <alias>', 'Move an alias (NAME@ALIAS) back to the version it pointed to before')
    .option('--reason <text>', 'why, for the record')
    .action((ref: string, opts) => run(program, async () => (await import('./models.js')).runModelsRollback(ref, opts)));
  storeCommand('delete <version>', 'Delete a version (NAME/vN) no alias points to; its number is never given again')
    .option('--reason <text>', 'why, for the record')
    .action((ref: string, opts) => run(program, async () => (await import('./models.js')).runModelsDelete(ref, opts)));

  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed help or the usage message.
      process.exitCode = err.exitCode === 0 ? 0 : usageError(err.message).exitCode;
      return;
    }
    reportError(program, err);
  }
}

await main(process.argv);
