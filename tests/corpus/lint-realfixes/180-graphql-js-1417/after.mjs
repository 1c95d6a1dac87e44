// GraphQLObjectType (src/type/definition.js, Flow types removed) and the part of
// extendSchema (src/utilities/extendSchema.js) that builds object types.
import invariant from '../jsutils/invariant';
import isPlainObj from '../jsutils/isPlainObj';

function resolveThunk(thunk) {
  return typeof thunk === 'function' ? thunk() : thunk;
}

export class GraphQLObjectType {
  constructor(config) {
    this.name = config.name;
    this.description = config.description;
    this.astNode = config.astNode;
    this.extensionASTNodes = config.extensionASTNodes;
    this.isTypeOf = config.isTypeOf;
    // keep the config only until the thunks are resolved: the field and interface
    // thunks close over whatever built the type (for extendSchema, the old schema)
    this._fields = defineFieldMap.bind(undefined, config);
    this._interfaces = defineInterfaces.bind(undefined, config);
    invariant(typeof config.name === 'string', 'Must provide name.');
  }

  getFields() {
    if (typeof this._fields === 'function') {
      this._fields = this._fields();
    }
    return this._fields;
  }

  getInterfaces() {
    if (typeof this._interfaces === 'function') {
      this._interfaces = this._interfaces();
    }
    return this._interfaces;
  }

  toString() {
    return this.name;
  }
}

function defineInterfaces(config) {
  const interfaces = resolveThunk(config.interfaces) || [];
  invariant(Array.isArray(interfaces), `${config.name} interfaces must be an Array.`);
  return interfaces;
}

function defineFieldMap(config) {
  const fieldMap = resolveThunk(config.fields) || {};
  invariant(isPlainObj(fieldMap), `${config.name} fields must be an object.`);

  const resultFieldMap = Object.create(null);
  for (const fieldName of Object.keys(fieldMap)) {
    resultFieldMap[fieldName] = { ...fieldMap[fieldName], name: fieldName };
  }
  return resultFieldMap;
}

// Servers that extend their schema again and again (schema polling, stitching)
// call this for every object type of the previous schema.
export function extendSchema(schema, documentAST) {
  const typeExtensionsMap = Object.create(null);
  for (const def of documentAST.definitions) {
    (typeExtensionsMap[def.name.value] = typeExtensionsMap[def.name.value] || []).push(def);
  }

  function extendFieldMap(type) {
    const newFieldMap = Object.create(null);
    const oldFieldMap = type.getFields();
    for (const fieldName of Object.keys(oldFieldMap)) {
      const field = oldFieldMap[fieldName];
      newFieldMap[fieldName] = { type: field.type, args: field.args, resolve: field.resolve };
    }
    return newFieldMap;
  }

  function extendImplementedInterfaces(type) {
    return type.getInterfaces();
  }

  function extendObjectType(type) {
    const name = type.name;
    const extensionASTNodes = typeExtensionsMap[name]
      ? (type.extensionASTNodes || []).concat(typeExtensionsMap[name])
      : type.extensionASTNodes;
    return new GraphQLObjectType({
      name,
      description: type.description,
      interfaces: () => extendImplementedInterfaces(type),
      fields: () => extendFieldMap(type),
      astNode: type.astNode,
      extensionASTNodes,
      isTypeOf: type.isTypeOf,
    });
  }

  const typeMap = schema.getTypeMap();
  return Object.keys(typeMap).map(name => extendObjectType(typeMap[name]));
}
