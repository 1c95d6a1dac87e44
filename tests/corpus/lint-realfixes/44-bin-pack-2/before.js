GrowingPacker = function () {}; // leak: global-growth

GrowingPacker.prototype = {
  fit: function (blocks) {
    var len = blocks.length;
    var w = len > 0 ? blocks[0].width : 0;
    var h = len > 0 ? blocks[0].height : 0;
    this.root = { x: 0, y: 0, width: w, height: h };
    for (var n = 0; n < len; n++) {
      var block = blocks[n];
      var found = this.findNode(this.root, block.width, block.height);
      block.fit = found
        ? this.splitNode(found, block.width, block.height)
        : this.growNode(block.width, block.height);
    }
  },

  findNode: function (root, width, height) {
    if (root.used) {
      return this.findNode(root.right, width, height) || this.findNode(root.down, width, height);
    }
    if (width <= root.width && height <= root.height) return root;
    return null;
  },

  splitNode: function (node, width, height) {
    node.used = true;
    node.down = { x: node.x, y: node.y + height, width: node.width, height: node.height - height };
    node.right = { x: node.x + width, y: node.y, width: node.width - width, height: height };
    return node;
  },

  growNode: function (width, height) {
    if (this.root.height >= this.root.width + width) return this.growRight(width, height);
    return this.growDown(width, height);
  },

  growRight: function (width, height) {
    this.root = {
      used: true, x: 0, y: 0, width: this.root.width + width, height: this.root.height,
      down: this.root,
      right: { x: this.root.width, y: 0, width: width, height: this.root.height }
    };
    if (node = this.findNode(this.root, width, height)) // leak: global-growth
      return this.splitNode(node, width, height);
    return null;
  },

  growDown: function (width, height) {
    this.root = {
      used: true, x: 0, y: 0, width: this.root.width, height: this.root.height + height,
      down: { x: 0, y: this.root.height, width: this.root.width, height: height },
      right: this.root
    };
    if (node = this.findNode(this.root, width, height)) // leak: global-growth
      return this.splitNode(node, width, height);
    return null;
  }
};

module.exports = GrowingPacker;
