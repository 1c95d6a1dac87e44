// A method of the object a factory returns runs per call; the factory's parameter (the host it
// was handed once) outlives every call, and a table of new handlers subscribed to it per call
// piles up. Seventh session; this file's own names and shape.
const auditService = ({ host }) => {
  return {
    async watchModel(model) {
      await host.storage.hooks.subscribe({ // expect: listener-not-removed
        models: [model.uid],
        async afterSave(event) {
          await host.log.write(model.uid, event.row.id);
        },
      });
    },
  };
};

module.exports = { auditService };
