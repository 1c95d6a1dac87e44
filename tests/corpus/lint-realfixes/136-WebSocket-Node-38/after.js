// toBuffer runs for every frame every connection sends.
function WebSocketFrame(maskBytes, config) {
    this.maskBytes = maskBytes;
    this.config = config;
    this.fin = true;
    this.mask = false;
    this.opcode = 0x01;
    this.binaryPayload = null;
}

WebSocketFrame.prototype.toBuffer = function () {
    var headerLength = 2;
    var firstByte = (this.fin ? 0x80 : 0) | this.opcode;
    var secondByte = this.mask ? 0x80 : 0;
    var data = this.binaryPayload;
    this.length = data ? data.length : 0;

    if (this.length <= 125) {
        secondByte |= (this.length & 0x7F);
    } else if (this.length <= 0xFFFF) {
        secondByte |= 126;
        headerLength += 2;
    } else {
        secondByte |= 127;
        headerLength += 8;
    }

    var output = Buffer.alloc(this.length + headerLength + (this.mask ? 4 : 0));

    output[0] = firstByte;
    output[1] = secondByte;
    var outputPos = 2;
    if (this.length > 125 && this.length <= 0xFFFF) {
        output.writeUInt16BE(this.length, outputPos);
        outputPos += 2;
    } else if (this.length > 0xFFFF) {
        output.writeUInt32BE(0, outputPos);
        output.writeUInt32BE(this.length, outputPos + 4);
        outputPos += 8;
    }
    if (data) {
        data.copy(output, outputPos);
    }
    return output;
};

module.exports = WebSocketFrame;
