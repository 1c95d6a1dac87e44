'use strict';

// Sequelize: every save()/validate() of a model instance builds an
// InstanceValidator for it. Validators come from the validator.js module,
// one shared object for the whole process.
const validator = require('validator');

// From lib/utils/validator-extras.js: adds the validators that need the
// instance being validated.
function extendModelValidations(modelInstance) {
  const extensions = {
    isImmutable(str, param, field) {
      return modelInstance.isNewRecord || modelInstance.dataValues[field] === modelInstance._previousDataValues[field];
    },
  };

  // The shared validator module now holds a closure over this instance
  // (its dataValues, its previous values, its associations) until the
  // next validation replaces it.
  for (const key of Object.keys(extensions)) {
    validator[key] = extensions[key]; // leak: closure-capture
  }
}

// From lib/instance-validator.js.
class InstanceValidator {
  constructor(modelInstance, options) {
    this.options = Object.assign({ skip: [], hooks: true }, options);
    this.modelInstance = modelInstance;
    this.validator = validator;
    this.errors = [];
    this.inProgress = false;

    extendModelValidations(modelInstance);
  }

  async validate() {
    if (this.inProgress) throw new Error('Validations already in progress.');
    this.inProgress = true;
    const rules = this.modelInstance.constructor.rawAttributes;
    for (const field of Object.keys(rules)) {
      for (const [validatorType, test] of Object.entries(rules[field].validate || {})) {
        this._invokeBuiltinValidator(this.modelInstance.dataValues[field], test, validatorType, field);
      }
    }
    if (this.errors.length) throw new Error(this.errors.join('; '));
  }

  _invokeBuiltinValidator(value, test, validatorType, field) {
    if (typeof validator[validatorType] !== 'function') {
      throw new Error('Invalid validator function: ' + validatorType);
    }
    const args = this._extractValidatorArgs(test, validatorType, field);
    if (!validator[validatorType].apply(validator, [String(value), ...args])) {
      this.errors.push(test.msg || `Validation ${validatorType} on ${field} failed`);
    }
  }

  _extractValidatorArgs(test, validatorType, field) {
    let args = test.args || test;
    if (!Array.isArray(args)) {
      args = validatorType === 'isImmutable' ? [args, field] : [args];
    } else {
      args = args.slice(0);
    }
    return args;
  }
}

module.exports = InstanceValidator;
