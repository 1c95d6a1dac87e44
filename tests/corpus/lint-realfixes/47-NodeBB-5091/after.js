'use strict';
const async = require('async');
const nconf = require('nconf');

const databaseController = module.exports;

databaseController.get = function (req, res, next) {
  async.parallel({
    redis: function (done) {
      if (nconf.get('redis')) {
        const rdb = require('../../database/redis');
        // the one client made when the database module started
        const cxn = rdb.client;
        rdb.info(cxn, done);
      } else {
        done();
      }
    },
    mongo: function (done) {
      if (nconf.get('mongo')) {
        const mdb = require('../../database/mongo');
        mdb.info(mdb.client, done);
      } else {
        done();
      }
    },
  }, function (err, results) {
    if (err) return next(err);
    res.render('admin/advanced/database', results);
  });
};
