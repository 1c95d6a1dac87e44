// Open Collective API: GraphQL loaders. loaders(req) builds the per-request
// set of DataLoaders that resolvers use through req.loaders. DataLoader
// memoises every key it has loaded in its own cache, unless told otherwise.
import DataLoader from 'dataloader';
import { groupBy } from 'lodash';

import models, { Op } from '../../models';

type Transaction = InstanceType<typeof models.Transaction>;

// transactions.ts: factories, so each request gets fresh loaders.
export const generateHostFeeAmountForTransactionLoader = (): DataLoader<Transaction, number | null> =>
  new DataLoader(async (transactions: readonly Transaction[]) => {
    const groups = transactions.map((t) => t.TransactionGroup);
    const hostFees = await models.Transaction.findAll({
      where: { TransactionGroup: { [Op.in]: groups }, kind: 'HOST_FEE' },
    });
    const byGroup = groupBy(hostFees, 'TransactionGroup');
    return transactions.map((t) => (byGroup[t.TransactionGroup] ? byGroup[t.TransactionGroup][0].amount : null));
  });

export const generateRelatedTransactionsLoader = (): DataLoader<Transaction, Transaction[]> =>
  new DataLoader(async (transactions: readonly Transaction[]) => {
    const groups = transactions.map((t) => t.TransactionGroup);
    const related = await models.Transaction.findAll({ where: { TransactionGroup: groups } });
    const byGroup = groupBy(related, 'TransactionGroup');
    return transactions.map((t) => byGroup[t.TransactionGroup] || []);
  });

// index.ts: runs for every request.
export const loaders = (req: { loaders?: Record<string, unknown> }) => {
  const context: { loaders: Record<string, unknown> } = { loaders: {} };
  context.loaders.collectiveById = new DataLoader(async (ids: readonly number[]) => {
    const collectives = await models.Collective.findAll({ where: { id: ids } });
    return ids.map((id) => collectives.find((c: { id: number }) => c.id === id) || null);
  });
  context.loaders.hostFeeAmountForTransaction = generateHostFeeAmountForTransactionLoader();
  context.loaders.relatedTransactions = generateRelatedTransactionsLoader();
  req.loaders = context.loaders;
  return context.loaders;
};
