var Q = require('kew')
var oid = require('oid')

function Builder(graph, name) {
  this._graph = graph
  this._name = name
  this._nodes = []
}

// the application builds and compiles a new graph for every request it serves
Builder.prototype.compile = function (runInputs) {
  var nodes = this._graph.getNodes(this._name, runInputs)
  for (var i = 0; i < nodes.length; i++) {
    this._nodes.push(new CompiledNode(this._graph, nodes[i].name, nodes[i].def))
  }
  return this
}

function CompiledNode(graph, nodeName, def) {
  this._graph = graph
  this.name = nodeName
  this.fn = def.getFunction()

  var literal = this.fn && this.fn._literal
  if (literal) {
    // the maps now belong to the graph and die with it
    var literalPromises = graph.getInternalPromiseMap()
    var literalValues = graph.getInternalValueMap()
    var literalHash = oid.hash(literal)
    if (!literalPromises[literalHash]) {
      literalPromises[literalHash] = Q.resolve(literal)
      literalValues[literalHash] = literal
    }
    this.literalPromise = literalPromises[literalHash]
    this.literalValue = literalValues[literalHash]
  }
}

module.exports = Builder
